import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OktaClient } from '../../src/clients/okta';
import type { TenantConfig } from '../../src/config/tenant';
import { decideAccessRequest, listAccessRequests, orphans, type AccessRequestSummary } from '../../src/cli/access';
import { readRecord } from '../../src/cli/lifecycle';
import { stopAccessWatchSignal } from '../../src/workflows/access';
import { accessRequestIdFor, accessWatchIdFor, onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { AnypointConsumer } from '../support/consumer';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * Consumers' "Request access" after onboarding, on the sandboxes and a real Temporal server: the
 * watcher notices each new contract, the tier decides the Okta groups and whether a person
 * approves, the new client is proven, and a deleted application's Okta client goes.
 */
describe('consumer access requests on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  let consumer: AnypointConsumer;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    consumer = new AnypointConsumer(stack.sandboxes);
  });
  afterAll(async () => {
    await consumer?.close();
    await okta?.close();
    await stack?.close();
    await env?.teardown();
  });

  // Each test's tenant has a watcher on the shared task queue; it stops with its test, so it cannot
  // meet the next test's API instance (the sandboxes hand out the same ids after a reset).
  const watched: string[] = [];
  afterEach(async () => {
    for (const tenantId of watched.splice(0)) await stack.client.workflow.getHandle(accessWatchIdFor(tenantId)).signal(stopAccessWatchSignal).catch(() => undefined);
  });

  const probe = (path: string, expect: number) => ({ method: 'GET' as const, path, expect });
  const tenantWithAccess = (): TenantConfig => {
    const cfg = accessTenant();
    watched.push(cfg.tenant.id);
    return cfg;
  };
  const accessTenant = (): TenantConfig =>
    stack.tenant((cfg) => ({
      ...cfg,
      tenant: { ...cfg.tenant, id: uniqueId('access').toLowerCase().replace(/[^a-z0-9-]/g, '-') },
      assignment: { mode: 'auto' },
      access: {
        watchEvery: '1s',
        reminderEvery: '1h',
        deadline: '72h',
        deletedApplications: 'auto',
        tiers: {
          silver: { groups: ['silverSubscribers'], approval: 'auto', scopes: ['silver'], allowed: [probe('/planets', 200)], denied: [probe('/moons', 403)] },
          gold: { groups: ['goldSubscribers'], approval: 'manual', scopes: ['gold'], allowed: [probe('/moons', 200)], denied: [] },
        },
      },
    }));

  async function until(tenantId: string, check: (requests: AccessRequestSummary[]) => boolean, timeoutMs = 60_000): Promise<AccessRequestSummary[]> {
    const deadline = Date.now() + timeoutMs;
    let last: AccessRequestSummary[] = [];
    while (Date.now() < deadline) {
      last = await listAccessRequests(stack.client, tenantId);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`requests never got there: ${JSON.stringify(last.map((r) => [r.workflowId, r.progress?.state, r.progress?.reason]))}`);
  }
  const stateOf = (requests: AccessRequestSummary[], contractId: string, kind: 'request' | 'retirement' = 'request') =>
    requests.find((r) => r.progress?.request.contractId === contractId && r.progress.kind === kind)?.progress?.state;

  const assignedGroups = async (clientId: string) => {
    const names: string[] = [];
    for (const group of ['silverSubscribers', 'goldSubscribers']) {
      const found = await okta.findGroupByName(group);
      if (found && (await okta.getAppGroupAssignment(clientId, found.id!))) names.push(group);
    }
    return names;
  };

  it('auto tier assigned and proven, manual tier waits for a person, unmapped tier refused, a rejection and a deleted application leave no Okta client', async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
    const cfg = tenantWithAccess();
    const tenantId = cfg.tenant.id;
    await (await stack.worker()).runUntil(async () => {
      const onboarding = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(tenantId), args: [{ tenant: cfg }] });
      expect((await onboarding.result()).progress.phase).toBe('completed');
      // The example registers a client per application (silver, gold, web); the first is the one this test watches.
      const onboardedClients = (await readRecord(stack.client, tenantId))!.resources.filter((r) => r.kind === 'registeredClient').map((r) => r.target.id!);
      const onboardedClient = (await readRecord(stack.client, tenantId))!.resources.find((r) => r.kind === 'registeredClient' && r.target.name === 'Solar System Silver')!.target.id!;

      // The API owner's tiers, then four consumers ask for access.
      const apiId = await consumer.apiId(cfg.anypoint.api.instanceLabel);
      const [silver, gold, platinum] = [await consumer.createTier(apiId, 'silver', true), await consumer.createTier(apiId, 'gold', false), await consumer.createTier(apiId, 'platinum', true)];
      const ada = await consumer.requestAccess(apiId, 'Ada Silver App', silver);
      const bob = await consumer.requestAccess(apiId, 'Bob Gold App', gold);
      const cy = await consumer.requestAccess(apiId, 'Cy Platinum App', platinum);
      const dee = await consumer.requestAccess(apiId, 'Dee Gold App', gold);
      expect([ada.status, bob.status]).toEqual(['APPROVED', 'PENDING']);

      let requests = await until(tenantId, (rs) => stateOf(rs, ada.contractId) === 'approved' && stateOf(rs, bob.contractId) === 'waiting' && stateOf(rs, cy.contractId) === 'refused' && stateOf(rs, dee.contractId) === 'waiting');
      const adaProof = requests.find((r) => r.progress?.request.contractId === ada.contractId)!.progress!.proof!;
      expect(adaProof.unproven).toEqual([]);
      expect(adaProof.proven).toEqual(expect.arrayContaining(['client active in Okta', 'token with scopes silver', 'gateway allows and refuses as the tier says']));
      expect(adaProof.probes.map((p) => [p.path, p.actual])).toEqual([['/planets', 200], ['/moons', 403]]);
      expect(requests.find((r) => r.progress?.request.contractId === cy.contractId)!.progress!.reason).toMatch(/SLA tier "platinum" is not mapped in access\.tiers/);

      // An approval Okta does not show yet is refused; with --assign the project assigns.
      await expect(decideAccessRequest(stack.client, tenantId, bob.contractId, 'approve', 'grace')).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('goldSubscribers') });
      await decideAccessRequest(stack.client, tenantId, bob.contractId, 'approve', 'grace', { assignForMe: true, note: 'gold customer' });
      await decideAccessRequest(stack.client, tenantId, dee.contractId, 'reject', 'grace', { note: 'no contract signed' });
      // A request already decided refuses a second decision.
      await expect(decideAccessRequest(stack.client, tenantId, ada.contractId, 'approve', 'grace')).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('not waiting') });
      requests = await until(tenantId, (rs) => stateOf(rs, bob.contractId) === 'approved' && stateOf(rs, dee.contractId) === 'rejected');

      expect(await assignedGroups(ada.clientId)).toEqual(['silverSubscribers']);
      expect(await assignedGroups(bob.clientId)).toEqual(['goldSubscribers']);
      expect(await assignedGroups(cy.clientId)).toEqual([]);
      expect(await okta.getApp(dee.clientId)).toBeUndefined();
      expect(await consumer.contractStatus(apiId, bob.contractId)).toBe('APPROVED');
      expect(await consumer.contractStatus(apiId, dee.contractId)).toBe('REJECTED');
      expect(requests.find((r) => r.progress?.request.contractId === bob.contractId)!.progress!.proof!.probes.map((p) => [p.path, p.actual])).toEqual([['/moons', 200]]);

      // Ada deletes her application in Exchange: her Okta client goes, nobody else's.
      await consumer.deleteApplication(ada.applicationId);
      await until(tenantId, (rs) => stateOf(rs, ada.contractId, 'retirement') === 'retired');
      expect(await okta.getApp(ada.clientId)).toBeUndefined();
      expect(await okta.getApp(bob.clientId)).toMatchObject({ status: 'ACTIVE' });
      expect(await okta.getApp(onboardedClient)).toMatchObject({ status: 'ACTIVE' });

      // Every decision is in the tenant record, with who and why; approved consumers' clients are the tenant's.
      const record = (await readRecord(stack.client, tenantId))!;
      const decisions = record.events.flatMap((e) => (e.type === 'access' ? [[e.request.applicationName, e.kind, e.state, e.decision?.by ?? null]] : []));
      expect(decisions).toEqual(expect.arrayContaining([
        ['Ada Silver App', 'request', 'approved', null],
        ['Bob Gold App', 'request', 'approved', 'grace'],
        ['Cy Platinum App', 'request', 'refused', null],
        ['Dee Gold App', 'request', 'rejected', 'grace'],
        ['Ada Silver App', 'retirement', 'retired', null],
      ]));
      expect(record.resources.filter((r) => r.kind === 'registeredClient').map((r) => r.target.id).sort()).toEqual([bob.clientId, ...onboardedClients].sort());

      // No consumer secret in raw history.
      const bobSecret = await okta.getClientSecret(bob.clientId);
      const raw = JSON.stringify(await stack.client.workflow.getHandle(accessRequestIdFor(tenantId, bob)).fetchHistory());
      expect(raw).not.toContain(bobSecret);
    });
  });

  it('a group gone from Okta refuses its tier\'s requests; with deletedApplications: manual a person confirms the client\'s removal', async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
    const base = tenantWithAccess();
    const cfg: TenantConfig = { ...base, access: { ...base.access!, deletedApplications: 'manual' } };
    const tenantId = cfg.tenant.id;
    await (await stack.worker()).runUntil(async () => {
      const onboarding = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(tenantId), args: [{ tenant: cfg }] });
      await onboarding.result();
      // An Okta admin deletes the gold group after onboarding.
      await okta.deleteGroup((await okta.findGroupByName('goldSubscribers'))!.id!);
      const apiId = await consumer.apiId(cfg.anypoint.api.instanceLabel);
      const [silver, gold] = [await consumer.createTier(apiId, 'silver', true), await consumer.createTier(apiId, 'gold', true)];
      const eve = await consumer.requestAccess(apiId, 'Eve Gold App', gold);
      const fay = await consumer.requestAccess(apiId, 'Fay Silver App', silver);
      const requests = await until(tenantId, (rs) => stateOf(rs, eve.contractId) === 'refused' && stateOf(rs, fay.contractId) === 'approved');
      expect(requests.find((r) => r.progress?.request.contractId === eve.contractId)!.progress!.reason).toMatch(/Okta has no group goldSubscribers .*Nothing was assigned/);
      expect(await assignedGroups(eve.clientId)).toEqual([]);

      // Fay deletes her application: the removal of her client waits for a person.
      await consumer.deleteApplication(fay.applicationId);
      await until(tenantId, (rs) => stateOf(rs, fay.contractId, 'retirement') === 'waiting');
      expect(await okta.getApp(fay.clientId)).toMatchObject({ status: 'ACTIVE' });
      await decideAccessRequest(stack.client, tenantId, fay.contractId, 'approve', 'grace', { retirement: true, note: 'consumer left' });
      await until(tenantId, (rs) => stateOf(rs, fay.contractId, 'retirement') === 'retired');
      expect(await okta.getApp(fay.clientId)).toBeUndefined();
    });
  });

  it('orphans: a client Exchange no longer references is listed; only one the tenant record knows is "certain"', async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
    const cfg = tenantWithAccess();
    // An OIDC client planted before the project ran, referenced by nothing.
    const planted = await okta.createOidcApp({ label: 'Legacy consumer', applicationType: 'service', grantTypes: ['client_credentials'], responseTypes: ['token'], redirectUris: [] });
    await (await stack.worker()).runUntil(async () => {
      const onboarding = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
      await onboarding.result();
      const report = await orphans(stack.client, stack.taskQueue, cfg, true);
      expect(report.certain).toEqual([]);
      expect(report.uncertain).toEqual([expect.objectContaining({ clientId: planted.id, label: 'Legacy consumer' })]);
      expect(report.deleted).toEqual([]);
      expect(await okta.getApp(planted.id!)).toMatchObject({ status: 'ACTIVE' });
    });
  });
});
