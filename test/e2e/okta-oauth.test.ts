import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import { checkOktaApiToken } from '../../src/activities/drift';
import { OKTA_WORKER_SCOPES } from '../../src/config/tenant-schema';
import { CHECKS } from '../../src/workflows/catalogue';
import type { OnboardingProgress } from '../../src/workflows/messages';
import { isConfigurationWrite } from '../../src/sandbox/core';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';
import { createKeyServiceApp, type OktaCaller } from '../sandbox/okta/support/service-app';

/*
 * The worker acting in Okta as an OAuth 2.0 service app (okta.oauth: private key, only the scopes it
 * needs) instead of with the SSWS token; the token stays for Anypoint's client provider only.
 */
describe('onboarding with okta.oauth (OAuth 2.0 for Okta, least privilege)', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaCaller;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    const { url, apiToken } = stack.sandboxes.okta;
    // The Okta admin's console work (the service app, its key and grants), over SSWS.
    okta = {
      url,
      async call(method, path, opts = {}) {
        const headers: Record<string, string> = { accept: 'application/json', authorization: `SSWS ${apiToken}` };
        if (opts.json !== undefined) headers['content-type'] = 'application/json';
        const res = await request(`${url}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
        const text = await res.body.text();
        return { status: res.statusCode, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
      },
    };
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  // The least roles that write what the onboarding writes (servers; apps; groups and users), as an admin assigns them.
  const WORKER_ROLES = ['API_ACCESS_MANAGEMENT_ADMIN', 'APP_ADMIN', 'USER_ADMIN'];

  async function tenantActingAs(granted: string[], requested = granted, roles = WORKER_ROLES) {
    const app = await createKeyServiceApp(okta, granted, `Onboarding worker ${Date.now()}`, { roles });
    const variable = `OKTA_E2E_SERVICE_KEY_${app.clientId}`;
    process.env[variable] = app.privateKeyPem;
    const cfg = stack.tenant((c) => ({ ...c, assignment: { mode: 'auto' as const }, okta: { ...c.okta, oauth: { clientId: app.clientId, privateKey: { env: variable }, keyId: app.keyId, scopes: requested } } }));
    return { app, cfg };
  }

  it('onboards with only the worker scopes: every Okta resource is created by the service app, and no key or token is in history', async () => {
    const { app, cfg } = await tenantActingAs(OKTA_WORKER_SCOPES);
    const logsBefore = (await okta.call('GET', '/api/v1/logs?limit=1000')).body.length;
    let raw = '';
    await (await stack.worker()).runUntil(async () => {
      const handle = await stack.start(cfg);
      const { progress } = await handle.result();
      expect(progress.phase).toBe('completed');
      expect(progress.proof?.passed).toBe(true);
      raw = JSON.stringify(await handle.fetchHistory());
    });
    const events = ((await okta.call('GET', '/api/v1/logs?limit=1000')).body as { eventType: string; actor: { id: string; type: string } }[]).slice(logsBefore);
    const creates = events.filter((e) => ['group.lifecycle.create', 'policy.lifecycle.create'].includes(e.eventType) || (e.eventType === 'application.lifecycle.create' && e.actor.type !== 'User'));
    expect(creates.length).toBeGreaterThan(0);
    for (const e of creates) expect(e.actor).toMatchObject({ id: app.clientId, type: 'PublicClientApp' });
    expect(raw).not.toContain(app.privateKeyPem.split('\n')[1]);
    expect(raw).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('a scope the service app was not granted stops the run in preflight with the scope and the fix, before anything is written', async () => {
    const { cfg } = await tenantActingAs(['okta.groups.manage', 'okta.apps.manage', 'okta.clients.manage']);
    const before = inventoryOf(await stack.state());
    const [oktaSeq, anypointSeq] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
    const err = await (await stack.worker()).runUntil(async () => (await stack.start(cfg)).result().then(() => new Error('the run completed instead of failing'), (e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const progress = ((err as WorkflowFailedError).cause as ApplicationFailure).details?.[0] as OnboardingProgress;
    expect(progress.steps.find((s: { key: string }) => s.key === CHECKS.preflightOkta.key)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/lacks the scope okta\.authorizationServers\.read.*Grant okta\.authorizationServers\.manage \(it includes okta\.authorizationServers\.read\) to the service app .*okta\.oauth\.scopes/),
    });
    expect(progress.compensation).toEqual({ undone: [], failed: [] });
    expect(inventoryOf(await stack.state())).toEqual(before);
    const writes = [...(await stack.okta.requests(oktaSeq)).entries, ...(await stack.anypoint.requests(anypointSeq)).entries].filter(isConfigurationWrite);
    expect(writes).toEqual([]);
  });

  it('a service app with every scope but no admin role stops the run in preflight naming the roles and where to assign them, before anything is written', async () => {
    const { app, cfg } = await tenantActingAs(OKTA_WORKER_SCOPES, OKTA_WORKER_SCOPES, []);
    const before = inventoryOf(await stack.state());
    const [oktaSeq, anypointSeq] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
    const err = await (await stack.worker()).runUntil(async () => (await stack.start(cfg)).result().then(() => new Error('the run completed instead of failing'), (e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const progress = ((err as WorkflowFailedError).cause as ApplicationFailure).details?.[0] as OnboardingProgress;
    const preflight = progress.steps.find((s: { key: string }) => s.key === CHECKS.preflightOkta.key);
    expect(preflight).toMatchObject({ state: 'failed', error: expect.stringContaining(`service app ${app.clientId}`) });
    expect(preflight?.error).toMatch(/roles \(none\) may not write authorization servers, scopes and policies \(needs SUPER_ADMIN or API_ACCESS_MANAGEMENT_ADMIN\); apps and their assignments .*Admin roles/);
    expect(inventoryOf(await stack.state())).toEqual(before);
    const writes = [...(await stack.okta.requests(oktaSeq)).entries, ...(await stack.anypoint.requests(anypointSeq)).entries].filter(isConfigurationWrite);
    expect(writes).toEqual([]);
  });

  it("still checks the SSWS token Anypoint's client provider holds (the drift check's use keeps Okta from revoking it), not the service app", async () => {
    const { cfg } = await tenantActingAs(OKTA_WORKER_SCOPES);
    expect(await checkOktaApiToken(cfg)).toEqual({ valid: true });
    process.env.OKTA_E2E_REVOKED_TOKEN = '00-a-token-okta-never-issued';
    const revoked = await checkOktaApiToken({ ...cfg, okta: { ...cfg.okta, apiToken: { env: 'OKTA_E2E_REVOKED_TOKEN' } } });
    expect(revoked).toMatchObject({ valid: false, error: expect.stringContaining('E0000011') });
  });
});
