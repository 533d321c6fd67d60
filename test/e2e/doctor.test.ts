import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { AnypointClient } from '../../src/clients/anypoint';
import { OktaClient } from '../../src/clients/okta';
import type { OktaTenantConfig } from '../../src/config/tenant';
import { runDoctor } from '../../src/cli/doctor';
import { checkDriftNow } from '../../src/cli/lifecycle';
import { renderDrift } from '../../src/cli/render';
import type { RequestLogEntry } from '../../src/sandbox/core';
import type { DoctorCheck, DoctorReport } from '../../src/workflows/doctor';
import { doctorWorkflowIdFor, onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { confirmGroupAssignmentUpdate } from '../../src/workflows/messages';
import { secretsOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * `doctor` on the sandboxes and a real Temporal server: the example tenant is onboarded once, then
 * each test breaks one thing the guides warn about, asserts doctor's cause and fix, and repairs it.
 * Every doctor run is also checked to have written nothing (the sandboxes' request logs).
 */
jest.setTimeout(240_000);

describe('doctor on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  let anypoint: AnypointClient;
  let worker: Worker;
  let running: Promise<void>;
  let cfg: OktaTenantConfig;
  /** When detector 9's browser request was made: the last test reads the System Log from then on. */
  let repairedAt: string | undefined;
  let ids: { asId: string; policyId: string; ruleId: string; silverClientId: string; silverGroupId: string; silverScopeId: string };

  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    anypoint = new AnypointClient({ baseUrl: stack.sandboxes.anypoint.url, clientId: process.env.ANYPOINT_CLIENT_ID!, clientSecret: process.env.ANYPOINT_CLIENT_SECRET! });
    worker = await stack.worker();
    running = worker.run();
    cfg = stack.tenant((c) => ({ ...c, tenant: { ...c.tenant, id: uniqueId('doctor').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));
    const handle = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
    await stack.assignAsOktaAdmin(await stack.waitForPhase(handle, 'awaiting-assignment'));
    await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'assigned in Okta' }] });
    await handle.result();

    const spec = cfg.okta;
    const asId = (await okta.findAuthorizationServerByName('create' in spec.authorizationServer ? spec.authorizationServer.create.name : ''))!.id!;
    const policyId = (await okta.findPolicyByName(asId, spec.accessPolicy.name))!.id;
    const ruleId = (await okta.findRuleByName(asId, policyId, spec.accessPolicy.rule.name))!.id;
    const silverClientId = (await okta.findOidcAppByLabel('Solar System Silver'))!.id;
    const silverGroupId = (await okta.findGroupByName('silverSubscribers'))!.id!;
    const silverScopeId = (await okta.findScopeByName(asId, 'silver'))!.id!;
    ids = { asId, policyId, ruleId, silverClientId, silverGroupId, silverScopeId };
  }, 300_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await okta?.close();
    await anypoint?.close();
    await stack?.close();
    await env?.teardown();
  });

  /** A call to Okta's management API as its admin: how the tests break and repair things. */
  async function asOktaAdmin(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> {
    const res = await fetch(`${stack.sandboxes.okta.url}${path}`, {
      method,
      headers: { authorization: `SSWS ${stack.sandboxes.okta.apiToken}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  }

  /** Token requests (doctor's, Anypoint's), the people's sign-ins and the gateway's introspection are the only POSTs a doctor run may cause; everything else is a read. */
  const READ_ONLY_EXCEPTIONS = [/^POST \/oauth2\/:authServerId\/v1\/(token|introspect)$/, /^POST \/accounts\/api\/v2\/oauth2\/token$/, /^POST \/api\/v1\/authn$/];

  /** Runs doctor and asserts it wrote nothing to either sandbox. */
  async function doctor(tenant: OktaTenantConfig = cfg, { reads = true, logSince }: { reads?: boolean; logSince?: string } = {}): Promise<DoctorReport> {
    const [oktaBefore, anypointBefore] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
    const report = await runDoctor(stack.client, stack.taskQueue, tenant, logSince);
    // Doctor reads both platforms: an empty log would make the write check below prove nothing.
    if (reads) expect((await stack.okta.requests(oktaBefore)).entries.length).toBeGreaterThan(0);
    const writes = (entries: RequestLogEntry[]) => entries.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.route}`).filter((w) => !READ_ONLY_EXCEPTIONS.some((x) => x.test(w)));
    expect(writes((await stack.okta.requests(oktaBefore)).entries)).toEqual([]);
    expect(writes((await stack.anypoint.requests(anypointBefore)).entries)).toEqual([]);
    return report;
  }

  const failed = (r: DoctorReport): DoctorCheck[] => r.checks.filter((c) => !c.passed);
  const check = (r: DoctorReport, name: string): DoctorCheck => {
    const found = r.checks.find((c) => c.check === name);
    if (!found) throw new Error(`no check "${name}" in ${JSON.stringify(r.checks.map((c) => c.check))}`);
    return found;
  };

  const withDoctor = (tenant: OktaTenantConfig): OktaTenantConfig => ({ ...tenant, lifecycle: { ...tenant.lifecycle, doctorWithDrift: true } });

  it('a healthy tenant: every check passes, and doctor made no write', async () => {
    const report = await doctor();
    expect(failed(report)).toEqual([]);
    expect(report.healthy).toBe(true);
    // Run with the drift check (lifecycle.doctorWithDrift), a healthy doctor keeps the report clean.
    const drift = await checkDriftNow(stack.client, stack.taskQueue, withDoctor(cfg));
    expect([drift.error, drift.clean, drift.doctor]).toEqual([undefined, true, { healthy: true, failed: [] }]);
    // Raw history (encrypted payloads aside): no secret the sandboxes hold, though doctor used them.
    const raw = JSON.stringify(await stack.client.workflow.getHandle(doctorWorkflowIdFor(cfg.tenant.id)).fetchHistory());
    const secrets = secretsOf(await stack.state());
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) expect(raw).not.toContain(secret);
    expect(report.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['Okta API token', 'Access policy and rule', 'Scope silver', 'Token for Solar System Silver', 'Token for Solar System Gold', 'Gateway for Solar System Silver', 'Gateway for Solar System Gold', 'Introspection client', 'SSO app redirect URI', 'Client provider registration', 'Sign-in of carl.sagan@example.com', 'Sign-in of jocelyn.bell@example.com']));
  });

  it("a person out of the group their tier rule names: the sign-in row says which flow was refused, and the fix names the tier rules", async () => {
    const [carl] = cfg.verification.signIn!.users;
    const user = (await okta.findUserByLogin(carl.login))!;
    const silver = (await okta.findGroupByName(carl.groups[0]))!;
    await asOktaAdmin('DELETE', `/api/v1/groups/${silver.id}/users/${user.id}`);
    try {
      const report = await doctor();
      expect(failed(report).map((c) => c.check)).toEqual([`Sign-in of ${carl.login}`]);
      expect(check(report, `Sign-in of ${carl.login}`)).toMatchObject({
        cause: expect.stringMatching(/authorization_code\+pkce was refused: access_denied/),
        fix: expect.stringContaining('okta.accessPolicy.groupRules'),
      });
      // With lifecycle.doctorWithDrift the drift check runs doctor too: its failed row is in the report.
      const drift = await checkDriftNow(stack.client, stack.taskQueue, withDoctor(cfg));
      expect(drift.clean).toBe(false);
      expect(drift.doctor).toMatchObject({ healthy: false, failed: [expect.objectContaining({ check: `Sign-in of ${carl.login}` })] });
      expect(renderDrift(drift)).toContain(`doctor: Sign-in of ${carl.login}: `);
    } finally {
      await asOktaAdmin('PUT', `/api/v1/groups/${silver.id}/users/${user.id}`);
    }
  });

  it('a tenant never onboarded: one failed check that says so and how to onboard, nothing written', async () => {
    const report = await doctor({ ...cfg, tenant: { ...cfg.tenant, id: uniqueId('never').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }, { reads: false });
    expect(report.healthy).toBe(false);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ check: 'Tenant record', passed: false, result: 'never onboarded' });
    expect(report.checks[0].fix).toContain('start <tenant.yaml>');
  });

  it('detector 1: a client not assigned to the group its rule allows', async () => {
    await asOktaAdmin('DELETE', `/api/v1/apps/${ids.silverClientId}/groups/${ids.silverGroupId}`);
    try {
      const c = check(await doctor(), 'Group assignments of Solar System Silver');
      expect(c).toMatchObject({ passed: false, result: 'not assigned to silverSubscribers' });
      expect(c.cause).toContain(`(${ids.silverClientId}) is not assigned to silverSubscribers`);
      expect(c.fix).toContain('Assign to Groups → silverSubscribers');
    } finally {
      await okta.assignGroupToApp(ids.silverClientId, ids.silverGroupId);
    }
  });

  it('detector 2: no matching rule: access_denied, the System Log reason no_matching_policy, and the inactive rule named', async () => {
    const rule = `/api/v1/authorizationServers/${ids.asId}/policies/${ids.policyId}/rules/${ids.ruleId}/lifecycle`;
    await asOktaAdmin('POST', `${rule}/deactivate`);
    try {
      const report = await doctor();
      const policy = check(report, 'Access policy and rule');
      expect(policy.passed).toBe(false);
      expect(policy.cause).toContain(`rule "${cfg.okta.accessPolicy.rule.name}" of policy "${cfg.okta.accessPolicy.name}" is INACTIVE`);
      expect(policy.cause).toContain('reason no_matching_policy');
      expect(policy.fix).toContain('drift <tenant.yaml> --fix');
      const token = check(report, 'Token for Solar System Silver');
      expect(token).toMatchObject({ passed: false, result: 'refused (System Log: no_matching_policy)' });
      expect(token.cause).toContain('policy evaluation failed');
    } finally {
      await asOktaAdmin('POST', `${rule}/activate`);
    }
  });

  it('detector 3: a deactivated app: its tokens are refused, the fix activates it', async () => {
    await okta.deactivateApp(ids.silverClientId);
    try {
      const token = check(await doctor(), 'Token for Solar System Silver');
      expect(token.passed).toBe(false);
      expect(token.cause).toContain(`(${ids.silverClientId}) is INACTIVE`);
      expect(token.fix).toContain(`/api/v1/apps/${ids.silverClientId}/lifecycle/activate`);
    } finally {
      await okta.activateApp(ids.silverClientId);
    }
  });

  it('detector 4: a scope not published in the metadata: Anypoint does not offer it', async () => {
    const scope = (await okta.findScopeByName(ids.asId, 'silver'))!;
    await okta.replaceScope(ids.asId, ids.silverScopeId, { ...scope, metadataPublish: 'NO_CLIENTS' } as Parameters<OktaClient['replaceScope']>[2]);
    try {
      const c = check(await doctor(), 'Scope silver');
      expect(c).toMatchObject({ passed: false, result: 'not in metadata (NO_CLIENTS)' });
      expect(c.cause).toContain('Anypoint does not offer it');
      expect(c.fix).toContain('metadataPublish: ALL_CLIENTS');
    } finally {
      await okta.replaceScope(ids.asId, ids.silverScopeId, scope as Parameters<OktaClient['replaceScope']>[2]);
    }
  });

  it('detector 5: the SSO app without Anypoint\'s redirect URI: sign-in fails, the fix adds that URI', async () => {
    const sso = (await okta.findOidcAppByLabel(cfg.okta.ssoApp!.label))!;
    const uris = sso.settings!.oauthClient!.redirect_uris!;
    await okta.setAppRedirectUris(sso.id, ['http://localhost:9999/elsewhere']);
    try {
      const c = check(await doctor(), 'SSO app redirect URI');
      expect(c).toMatchObject({ passed: false, result: 'Anypoint redirect URI missing' });
      expect(c.cause).toContain(`does not list Anypoint's redirect URI ${uris[0]}`);
      expect(c.fix).toContain(`Sign-in redirect URIs: add ${uris[0]}`);
    } finally {
      await okta.setAppRedirectUris(sso.id, uris);
    }
  });

  it('detector 6: an introspection client without client_credentials: the fix names the grant and client authentication', async () => {
    const app = (await okta.findOidcAppByLabel(cfg.okta.introspectionClient.label))!;
    const raw = (await okta.getAppRaw(app.id))!;
    const settings = raw.settings as { oauthClient: Record<string, unknown> };
    const changed = { ...raw, settings: { ...settings, oauthClient: { ...settings.oauthClient, application_type: 'web', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://localhost:9999/cb'] } } };
    await okta.replaceAppRaw(app.id, changed);
    try {
      const c = check(await doctor(), 'Introspection client');
      expect(c).toMatchObject({ passed: false, result: 'lacks client_credentials' });
      expect(c.cause).toContain('lack client_credentials');
      expect(c.fix).toContain('the Client Credentials grant');
    } finally {
      await okta.replaceAppRaw(app.id, raw);
    }
  });

  it('detector 8: a blank registration Authorization header in the client provider: "invalid client id" at Request Access', async () => {
    const { orgId } = await anypoint.me();
    const provider = (await anypoint.findClientProviderByName(orgId, cfg.anypoint.clientProvider.name))!;
    const providerId = String(provider.providerId);
    await anypoint.patchClientProvider(orgId, providerId, { oidc_dynamic_client_provider: { client: { registration: { authorization: '' } } } });
    try {
      const c = check(await doctor(), 'Client provider registration');
      expect(c).toMatchObject({ passed: false, result: 'Authorization header blank' });
      expect(c.cause).toContain('"invalid client id"');
      expect(c.fix).toContain('rotate <tenant.yaml> --okta-token');
    } finally {
      await anypoint.patchClientProvider(orgId, providerId, { oidc_dynamic_client_provider: { client: { registration: { authorization: `SSWS ${stack.sandboxes.okta.apiToken}` } } } });
    }
  });

  it('the gateway answering other than the tenant file expects: the calls and the policies to converge are named', async () => {
    // The file (not the platform) is changed here: silver is expected to reach /moons, which its scope does not allow.
    const expectsMoons = { ...cfg, verification: { ...cfg.verification, allowed: [...cfg.verification.allowed, { method: 'GET' as const, path: '/moons', expect: 200 }], denied: [] } };
    const c = check(await doctor(expectsMoons), 'Gateway for Solar System Silver');
    expect(c).toMatchObject({ passed: false, result: 'GET /planets 200, GET /moons 403' });
    expect(c.cause).toContain('GET /moons answered 403, expected 200');
    expect(c.fix).toContain('drift <tenant.yaml> --fix');
  });

  it('detector 7: a revoked Okta API token: the fix is a new token and rotate --okta-token; nothing else is tried', async () => {
    process.env.DOCTOR_REVOKED_OKTA_TOKEN = 'revoked-00000000000000000000000000000000';
    const report = await doctor({ ...cfg, okta: { ...cfg.okta, apiToken: { env: 'DOCTOR_REVOKED_OKTA_TOKEN' } } });
    expect(report.healthy).toBe(false);
    const c = check(report, 'Okta API token');
    expect(c.passed).toBe(false);
    expect(c.cause).toContain('revoked');
    expect(c.fix).toContain('rotate <tenant.yaml> --okta-token');
    expect(report.checks.map((x) => x.check)).toEqual(['Tenant record', 'Okta API token']);
  });

  it('detector 9: a browser Origin header on the token endpoint: the PKCE error, found in the System Log', async () => {
    const asId = ids.asId;
    // What a browser page does (seed 004): its fetch carries an Origin header, and no code_verifier.
    const res = await fetch(`${stack.sandboxes.okta.url}/oauth2/${asId}/v1/token`, {
      method: 'POST',
      headers: { origin: 'http://localhost:8888', 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('someone:secret').toString('base64')}` },
      body: 'grant_type=client_credentials&scope=silver',
    });
    expect(res.status).toBe(401);
    const c = check(await doctor(), 'Token refusals in the System Log');
    expect(c.passed).toBe(false);
    expect(c.result).toMatch(/^1 browser request\(s\) refused \(invalid_client, PKCE\)/);
    expect(c.cause).toContain('Browser requests to the token endpoint must use Proof Key for Code Exchange');
    expect(c.fix).toContain('PKCE');
    repairedAt = new Date().toISOString();
  });

  it('after the repairs the tenant is healthy again (the System Log read from after the browser request)', async () => {
    expect(failed(await doctor(cfg, { logSince: repairedAt }))).toEqual([]);
  });
});
