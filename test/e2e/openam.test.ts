import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { checkDriftNow, confirmOffboarding, startOffboarding } from '../../src/cli/lifecycle';
import { runDoctor } from '../../src/cli/doctor';
import { planDryRun } from '../../src/cli/operations';
import { renderOffboarding, renderProgress } from '../../src/cli/render';
import type { Rfc7591TenantConfig } from '../../src/config/tenant';
import { isConfigurationWrite, type RequestLogEntry } from '../../src/sandbox/core';
import type { OpenAmState } from '../../src/sandbox/openam';
import { onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { confirmGroupAssignmentUpdate, type OnboardingProgress } from '../../src/workflows/messages';
import { tenantRecordIdFor, tenantRecordQuery } from '../../src/workflows/tenant-record';
import { inventoryDiff, inventoryOf, secretsOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId } from '../support/temporal';

/*
 * The second kind of identity provider end to end: the OpenAM example tenant (an rfc7591 section, no okta
 * section) onboarded on the OpenAM emulator (oidc-provider, strict RFC 7591) and the Anypoint sandbox, on a
 * real Temporal server. Anypoint registers the consumer client at the provider; the proof gets a token from
 * the provider's token endpoint and goes through the gateway.
 */
describe('onboarding an RFC 7591 (OpenAM) tenant on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env, { openam: true });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });
  beforeEach(async () => {
    await stack.anypoint.reset();
    await stack.openam!.reset();
  });

  const APP = 'Solar System Silver (OpenAM)';
  /** Each test under a tenant id of its own, so each has a tenant record of its own. */
  const tenant = (mutate: (c: Rfc7591TenantConfig) => Rfc7591TenantConfig = (c) => c) =>
    stack.openamTenant((c) => mutate({ ...c, tenant: { ...c.tenant, id: uniqueId('openam').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));
  const providerState = () => stack.openam!.state<OpenAmState>();
  const providerClients = async () => Object.keys((await providerState()).models.Client ?? {}).sort();
  const path = (e: RequestLogEntry) => e.url.split('?')[0];
  /** Token requests and introspection at the provider are traffic, not configuration (as Okta's /v1/token is). */
  const providerTraffic = (e: RequestLogEntry) => /\/(access_token|introspect)$/.test(path(e));

  it('preflight checks the provider without registering; pauses for a person; proves 401/200/403; a re-run writes nothing', async () => {
    const cfg = tenant();
    expect(cfg.okta).toBeUndefined();
    const before = inventoryOf(await stack.state());
    const clientsBefore = await providerClients();
    const workflowId = `onboarding-${cfg.tenant.id}`;
    let history: Awaited<ReturnType<Awaited<ReturnType<typeof stack.start>>['fetchHistory']>> | undefined;
    let clientId = '';
    await (await stack.worker()).runUntil(async () => {
      // The dry run: the same preflight, then the plan, with no Okta entry and nothing written.
      const plan = await planDryRun(stack.client, stack.taskQueue, cfg);
      expect(plan.entries.map((e) => [e.key, e.action])).toEqual([
        ['anypoint.clientProvider', 'create'],
        ['anypoint.asset', 'unchanged'],
        ['anypoint.apiInstance', 'create'],
        ['anypoint.deployment', 'create'],
        ['anypoint.policy:0', 'create'],
        ['anypoint.policy:1', 'create'],
        [`anypoint.application:${APP}`, 'create'],
        [`anypoint.contract:${APP}`, 'create'],
      ]);
      expect(inventoryOf(await stack.state())).toEqual(before);

      const handle = await stack.start(cfg, workflowId);
      const waiting = await stack.waitForPhase(handle, 'awaiting-assignment');
      // No Okta step at all, and the preflight's registration probe left nothing at the provider.
      expect(waiting.steps.map((s) => s.key).filter((k) => k.startsWith('okta.'))).toEqual([]);
      expect(waiting.steps.find((s) => s.key === 'preflight.provider')).toMatchObject({ state: 'done' });
      expect(waiting.missingAssignments).toEqual([expect.stringMatching(/^Solar System Silver \(OpenAM\) \((\S+)\) → access confirmed by a person$/)]);
      clientId = /\((\S+)\) →/.exec(waiting.missingAssignments[0])![1];
      expect(renderProgress(waiting)).toContain(`Waiting for a person to confirm the clients registered at the identity provider:\n  - ${waiting.missingAssignments[0]}\nConfirm with: npm run cli -- approve ${cfg.tenant.id} --by <your name>`);
      expect(await providerClients()).toEqual([...clientsBefore, clientId].sort());

      // The confirmation is a person's word only: no check at the provider can refuse it.
      await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'client access reviewed' }] });
      const { progress } = await handle.result();
      expect(progress.phase).toBe('completed');
      expect(progress.approval).toMatchObject({ approver: 'ada', note: 'client access reviewed' });
      expect(progress.proof).toMatchObject({
        passed: true,
        introspectionActive: true,
        tokenScopes: ['silver'],
        withoutToken: { actual: 401 },
        probes: [
          { method: 'GET', path: '/planets', actual: 200 },
          { method: 'GET', path: '/moons', actual: 403 },
        ],
      });
      expect(progress.steps.filter((s) => s.state !== 'done')).toEqual([]);
      expect(progress.steps.find((s) => s.key === `provider.client:${APP}`)).toMatchObject({ outcome: 'created', resourceId: clientId });
      history = await handle.fetchHistory();
    });

    // The dry run's and the run's preflight probes, refused for their metadata (400: the header was accepted), then Anypoint's registration.
    const registrations = (await stack.openam!.requests()).entries.filter((e) => e.method === 'POST' && path(e).endsWith('/connect/register'));
    expect(registrations.map((e) => e.status)).toEqual([400, 400, 201]);
    // Anypoint's client provider sends the Bearer header, and registered the application's client there.
    const anypointState = (await stack.state()).anypoint;
    expect(anypointState.clientProviders.map((p) => [p.name, p.registrationAuthorization.split(' ')[0], p.issuer])).toEqual([['OpenAM DCR', 'Bearer', stack.sandboxes.openam!.issuer]]);
    expect(anypointState.applications.map((a) => [a.name, a.clientId])).toEqual([[APP, clientId]]);
    expect(inventoryDiff(before, inventoryOf(await stack.state()))).toEqual({
      added: [
        'anypoint.api:solar-system-openam',
        `anypoint.application:${APP}`,
        'anypoint.clientProvider:OpenAM DCR',
        `anypoint.contract:solar-system-openam/${APP}`,
        'anypoint.deployment:solar-system-openam/openam-solar-proxy',
        'anypoint.policy:solar-system-openam/openidconnect-access-token-enforcement/[{"methodRegex":"GET","uriTemplateRegex":"/moons"}]',
        'anypoint.policy:solar-system-openam/openidconnect-access-token-enforcement/[{"methodRegex":"GET","uriTemplateRegex":"/planets"}]',
      ],
      removed: [],
      changed: [],
    });

    // Raw history, read without the codec: no secret of Anypoint or of the provider, no token; and it replays.
    const raw = JSON.stringify(history);
    const provider = await providerState();
    const providerSecrets = [
      stack.sandboxes.openam!.initialAccessToken,
      stack.sandboxes.openam!.introspectionClient.clientSecret,
      ...Object.values(provider.models.Client ?? {}).map((c) => String(c.payload.client_secret ?? '')),
      ...Object.keys(provider.models.ClientCredentials ?? {}),
      ...anypointState.applications.flatMap((a) => (a.registration ? [a.registration.accessToken] : [])),
    ].filter((s) => s.length >= 8);
    expect(providerSecrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of [...providerSecrets, ...secretsOf(await stack.state())]) expect(raw).not.toContain(secret);
    expect(raw).not.toContain('OpenAM DCR'); // payloads are encrypted, not just scrubbed
    await expect(Worker.runReplayHistory({ workflowBundle: getWorkflowBundle('onboarding'), dataConverter: stack.dataConverter }, history!, workflowId)).resolves.toBeUndefined();

    // Re-run (same workflow id, as the CLI does): converges, proves, no pause (the client was confirmed), no write.
    const settled = inventoryOf(await stack.state());
    const clientsSettled = await providerClients();
    const [anypointSeq, providerSeq] = [(await stack.anypoint.requests()).total, (await stack.openam!.requests()).total];
    await (await stack.worker()).runUntil(async () => {
      const { progress } = await (await stack.start(cfg, workflowId)).result();
      expect(progress.phase).toBe('completed');
      expect(progress.proof?.passed).toBe(true);
      expect(progress.approval).toBeUndefined();
      expect(progress.steps.filter((s) => s.outcome && s.outcome !== 'unchanged')).toEqual([]);
    });
    const anypointRequests = (await stack.anypoint.requests(anypointSeq)).entries;
    const providerRequests = (await stack.openam!.requests(providerSeq)).entries;
    expect(anypointRequests.length).toBeGreaterThan(10); // it did look everything up
    expect(anypointRequests.filter(isConfigurationWrite).map((e) => `${e.method} ${e.url}`)).toEqual([]);
    // At the provider only the preflight probe, refused as designed: nothing registered, changed or deleted.
    const providerWrites = providerRequests.filter((e) => isConfigurationWrite(e) && !providerTraffic(e));
    expect(providerWrites.map((e) => [e.method, path(e).replace(/^.*\/realms\/solar/, ''), e.status])).toEqual([['POST', '/connect/register', 400]]);
    expect(inventoryOf(await stack.state())).toEqual(settled);
    expect(await providerClients()).toEqual(clientsSettled);

    // The drift check of a converged RFC 7591 tenant is clean: it checks the provider's header, no Okta token.
    const report = await (await stack.worker()).runUntil(() => checkDriftNow(stack.client, stack.taskQueue, cfg));
    expect([report.error, report.clean, report.differences, report.missing]).toEqual([undefined, true, [], []]);
    expect(await providerClients()).toEqual(clientsSettled);

    // doctor diagnoses it at the provider, read-only: healthy; with an introspection secret the provider refuses, that row says why.
    const healthy = await (await stack.worker()).runUntil(() => runDoctor(stack.client, stack.taskQueue, cfg));
    expect(healthy.checks.map((c) => [c.check, c.passed, c.cause])).toEqual([
      ['Tenant record', true, undefined],
      ['RFC 7591 provider', true, undefined],
      ['Anypoint access', true, undefined],
      ['Client provider registration', true, undefined],
      ['Tokens and the gateway', true, undefined],
    ]);
    expect(healthy.healthy).toBe(true);
    process.env.OPENAM_E2E_WRONG_INTROSPECTION_SECRET = 'not-the-introspection-secret';
    const wrongSecret: Rfc7591TenantConfig = { ...cfg, rfc7591: { ...cfg.rfc7591, introspectionClient: { ...cfg.rfc7591.introspectionClient, clientSecret: { env: 'OPENAM_E2E_WRONG_INTROSPECTION_SECRET' } } } };
    const broken = await (await stack.worker()).runUntil(() => runDoctor(stack.client, stack.taskQueue, wrongSecret));
    expect(broken.healthy).toBe(false);
    expect(broken.checks.find((c) => c.check === 'RFC 7591 provider')).toMatchObject({ passed: false, result: 'refused', cause: expect.stringMatching(/introspect a token failed .*invalid_client/), fix: expect.stringMatching(/introspectionClient/) });
    expect(JSON.stringify(broken)).not.toContain('not-the-introspection-secret');
    expect(await providerClients()).toEqual(clientsSettled);
  });

  it('refuses a registration header the provider does not accept in preflight, with the fix, and creates nothing', async () => {
    process.env.OPENAM_E2E_WRONG_TOKEN = 'a-token-the-realm-never-issued';
    const cfg = tenant((c) => ({ ...c, rfc7591: { ...c.rfc7591, initialAccessToken: { env: 'OPENAM_E2E_WRONG_TOKEN' } } }));
    const before = inventoryOf(await stack.state());
    const clientsBefore = await providerClients();
    const anypointSeq = (await stack.anypoint.requests()).total;
    const err = await (await stack.worker()).runUntil(async () => (await stack.start(cfg)).result().then(() => new Error('the run completed instead of failing'), (e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const progress = ((err as WorkflowFailedError).cause as ApplicationFailure).details?.[0] as OnboardingProgress;
    expect(progress.steps.find((s) => s.key === 'preflight.provider')).toMatchObject({ state: 'failed', error: expect.stringMatching(/HTTP 401 invalid_token.*Fix: The provider refuses the registration header .*rfc7591\.initialAccessToken/) });
    // The Anypoint preflight (reads only) runs beside the provider's; nothing after the preflights starts.
    expect(progress.steps.filter((s) => s.state !== 'pending').map((s) => s.key)).toEqual(['preflight.provider', 'preflight.anypoint']);
    expect(progress.compensation).toEqual({ undone: [], failed: [] });
    expect(JSON.stringify(progress)).not.toContain('a-token-the-realm-never-issued');
    expect(inventoryOf(await stack.state())).toEqual(before);
    expect(await providerClients()).toEqual(clientsBefore);
    expect((await stack.anypoint.requests(anypointSeq)).entries.filter(isConfigurationWrite)).toEqual([]);
  });

  it('rolls back an injected failure: Anypoint is as before, and the client left at the provider is named in the result and the record', async () => {
    const cfg = tenant((c) => ({ ...c, assignment: { mode: 'auto' } }));
    const before = inventoryOf(await stack.state());
    const clientsBefore = await providerClients();
    // The contract is refused after Anypoint registered the application's client at the provider.
    await stack.anypoint.addFault({ kind: 'error', status: 400, method: 'POST', path: '/apis/[^/]+/contracts$' });
    // The tenant record is a workflow too: it answers its query while a worker runs.
    const worker = await stack.worker();
    const { err, record } = await worker.runUntil(async () => {
      const outcome = await (await stack.start(cfg)).result().then(() => new Error('the run completed instead of failing'), (e: unknown) => e);
      return { err: outcome, record: await stack.client.workflow.getHandle(tenantRecordIdFor(cfg.tenant.id)).query(tenantRecordQuery) };
    });
    await stack.anypoint.clearFaults();
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('OnboardingFailed');
    const progress = failure.details?.[0] as OnboardingProgress;

    // Everything in Anypoint this run created is gone, nothing else touched.
    expect(inventoryDiff(before, inventoryOf(await stack.state()))).toEqual({ added: [], removed: [], changed: [] });
    expect(progress.compensation?.undone).toEqual(expect.arrayContaining([`anypoint.application:${APP}`, 'anypoint.apiInstance', 'anypoint.clientProvider']));
    // The provider offers no way to delete what Anypoint registered: the client is left, and said so plainly.
    const left = (await providerClients()).filter((id) => !clientsBefore.includes(id));
    expect(left).toHaveLength(1);
    expect(progress.compensation?.failed).toEqual([
      { key: `provider.client:${APP}`, title: `Client registered by Anypoint at the RFC 7591 provider for "${APP}"`, error: expect.stringContaining(`Client ${left[0]} of application "${APP}" is left at the provider`) },
    ]);
    expect(failure.message).toContain(`NOT undone: Client registered by Anypoint at the RFC 7591 provider for "${APP}" (Client ${left[0]}`);
    expect(record.resources.map((r) => [r.kind, r.system, r.target.id])).toEqual([['providerClient', 'provider', left[0]]]);
  });

  it('offboarding removes everything in Anypoint and names the client left at the provider, which stays in the record', async () => {
    const cfg = tenant((c) => ({ ...c, assignment: { mode: 'auto' } }));
    const before = inventoryOf(await stack.state());
    const clientsBefore = await providerClients();
    await (await stack.worker()).runUntil(async () => {
      const { progress } = await (await stack.start(cfg, onboardingWorkflowIdFor(cfg.tenant.id))).result();
      expect(progress.phase).toBe('completed');
      const clientId = progress.steps.find((s) => s.key === `provider.client:${APP}`)!.resourceId;

      const waiting = await startOffboarding(stack.client, stack.taskQueue, cfg);
      expect(waiting.removals.map((r) => r.key)).toContain(`provider.client:${APP}`);
      const done = await confirmOffboarding(stack.client, cfg.tenant.id, 'grace', 'contract ended');
      expect({ phase: done.phase, notRemoved: done.notRemoved }).toEqual({ phase: 'completed', notRemoved: [] });
      expect(done.leftAtProvider).toEqual([{ key: `provider.client:${APP}`, title: expect.any(String), clientId, error: expect.stringContaining(`Client ${clientId} of application "${APP}" is left at the provider`) }]);
      expect(renderOffboarding(done)).toContain(`! Left at the identity provider: Client registered by Anypoint at the RFC 7591 provider for "${APP}" [${clientId}]`);

      const record = await stack.client.workflow.getHandle(tenantRecordIdFor(cfg.tenant.id)).query(tenantRecordQuery);
      expect(record.status).toBe('offboarded');
      expect(record.resources.map((r) => [r.kind, r.target.id])).toEqual([['providerClient', clientId]]);
      expect(await providerClients()).toEqual([...clientsBefore, clientId!].sort());
    });
    expect(inventoryDiff(before, inventoryOf(await stack.state()))).toEqual({ added: [], removed: [], changed: [] });
  });
});
