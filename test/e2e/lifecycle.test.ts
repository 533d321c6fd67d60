import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OktaClient } from '../../src/clients/okta';
import type { OktaTenantConfig, TenantConfig } from '../../src/config/tenant';
import { confirmOffboarding, offboardingDryRun, readRecord, startOffboarding } from '../../src/cli/lifecycle';
import { history } from '../../src/cli/operations';
import { renderAuditMarkdown } from '../../src/cli/render';
import { onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { confirmGroupAssignmentUpdate } from '../../src/workflows/messages';
import { runEvents } from '../../src/workflows/tenant-record';
import { inventoryDiff, inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * The tenant's life after its first run, on the sandboxes and a real Temporal server: the tenant
 * record keeps what the runs created and who approved, whatever happens to the closed runs, and an
 * offboarding removes exactly that.
 */
describe('tenant lifecycle on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
  });
  afterAll(async () => {
    await okta?.close();
    await stack?.close();
    await env?.teardown();
  });
  beforeEach(async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
  });

  /** The example tenant under an id of its own, so each test has a tenant record of its own. */
  const tenantOf = (mutate: (cfg: OktaTenantConfig) => OktaTenantConfig = (c) => c) =>
    stack.tenant((cfg) => mutate({ ...cfg, tenant: { ...cfg.tenant, id: uniqueId('life').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));

  /** Onboards through the manual assignment, as an Okta admin and an approver would. */
  async function onboard(cfg: TenantConfig): Promise<string> {
    const handle = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
    const waiting = await stack.waitForPhase(handle, 'awaiting-assignment');
    await stack.assignAsOktaAdmin(waiting);
    await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'assigned in Okta' }] });
    await handle.result();
    return handle.firstExecutionRunId;
  }

  it('onboard, then offboard: the sandboxes are as before; adopted and pre-existing resources are untouched', async () => {
    // An admin's group with the tenant file's name and description, and one unrelated: neither is the tenant's.
    await okta.createGroup({ name: 'goldSubscribers', description: 'Consumers of the gold tier' });
    await okta.createGroup({ name: 'unrelated', description: 'Not the onboarding’s business' });
    const cfg = tenantOf((c) => ({ ...c, okta: { ...c.okta, authorizationServer: { adopt: 'default' } } }));
    const before = inventoryOf(await stack.state());

    await (await stack.worker()).runUntil(async () => {
      await onboard(cfg);
      const record = (await readRecord(stack.client, cfg.tenant.id))!;
      const keys = record.resources.map((r) => r.target.key);
      // What the run created, including the Okta client Anypoint registered; nothing adopted or pre-existing.
      expect(keys).toEqual(expect.arrayContaining(['okta.scope:silver', 'okta.group:silverSubscribers', 'anypoint.apiInstance', 'anypoint.application:Solar System Silver', 'okta.client:Solar System Silver']));
      expect(keys).not.toContain('okta.authorizationServer');
      expect(keys).not.toContain('okta.group:goldSubscribers');

      // The removal list comes first, from the record alone, children before parents.
      const dryRun = (await offboardingDryRun(stack.client, cfg.tenant.id)).map((r) => r.target.key);
      expect(dryRun.indexOf('anypoint.contract:Solar System Silver')).toBeLessThan(dryRun.indexOf('anypoint.apiInstance'));
      expect(dryRun.indexOf('okta.scope:silver')).toBeGreaterThan(dryRun.indexOf('anypoint.clientProvider'));
      const waiting = await startOffboarding(stack.client, stack.taskQueue, cfg);
      expect(waiting.phase).toBe('awaiting-confirmation');
      expect(waiting.removals.map((r) => r.key)).toEqual(dryRun);
      // Nothing is removed before the confirmation.
      expect(inventoryDiff(before, inventoryOf(await stack.state())).added.length).toBeGreaterThan(0);

      // Two people confirm at once: one wins, the other is told who did.
      const [first, second] = await Promise.allSettled([
        confirmOffboarding(stack.client, cfg.tenant.id, 'grace', 'contract ended'),
        confirmOffboarding(stack.client, cfg.tenant.id, 'alan', 'me too'),
      ]);
      const outcomes = [first, second].map((o) => o.status);
      expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
      const refused = [first, second].find((o): o is PromiseRejectedResult => o.status === 'rejected')!;
      const done = [first, second].find((o): o is PromiseFulfilledResult<Awaited<ReturnType<typeof confirmOffboarding>>> => o.status === 'fulfilled')!.value;
      expect(refused.reason).toMatchObject({ exitCode: 3, message: expect.stringMatching(/Already confirmed by (grace|alan)/) });
      expect(done.notRemoved).toEqual([]);
      expect(done.phase).toBe('completed');

      // The record (queried through a worker, like every workflow) shows both runs and keeps nothing.
      const after = (await readRecord(stack.client, cfg.tenant.id))!;
      expect(after.status).toBe('offboarded');
      expect(after.resources).toEqual([]);
      expect(runEvents(after).map((e) => [e.run.operation, e.run.outcome, e.run.approval?.approver])).toEqual([
        ['onboarding', 'completed', 'ada'],
        ['offboarding', 'completed', done.confirmation!.approver],
      ]);
    });

    const after = inventoryOf(await stack.state());
    expect(inventoryDiff(before, after)).toEqual({ added: [], removed: [], changed: [] });
    expect(after['okta.group:goldSubscribers']).toBe(before['okta.group:goldSubscribers']);
    expect(after['okta.authServer:default']).toBe(before['okta.authServer:default']);
  });

  it('the audit survives the deletion of the closed runs (what retention does)', async () => {
    const cfg = tenantOf();
    await (await stack.worker()).runUntil(async () => {
      const runId = await onboard(cfg);
      await stack.client.workflowService.deleteWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: onboardingWorkflowIdFor(cfg.tenant.id), runId },
      });
      // The server really forgot the run…
      const closedRun = stack.client.workflow.getHandle(onboardingWorkflowIdFor(cfg.tenant.id), runId);
      // The server deletes a closed run in the background (about 30 s on the dev server).
      await waitUntil(() => closedRun.describe().then(() => false, (err: unknown) => err instanceof WorkflowNotFoundError), 120_000);
      // …and the audit still has it, with its steps and its approver.
      const runs = await history(stack.client, cfg.tenant.id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ runId, status: 'COMPLETED', progress: { approval: { approver: 'ada', note: 'assigned in Okta' } } });
      expect(runs[0].progress!.steps.find((s) => s.key === 'proof')).toMatchObject({ state: 'done' });
      const markdown = renderAuditMarkdown((await readRecord(stack.client, cfg.tenant.id))!);
      expect(markdown).toContain('Approved by **ada**');
      expect(markdown).toContain('| Okta scope "silver" | okta |');
    });
  });

  it('an offboarding of a tenant never onboarded is refused and removes nothing', async () => {
    const cfg = tenantOf();
    const before = inventoryOf(await stack.state());
    await (await stack.worker()).runUntil(async () => {
      const outcome = await startOffboarding(stack.client, stack.taskQueue, cfg);
      expect(outcome.phase).toBe('failed');
      expect(outcome.error).toMatch(/never onboarded/);
    });
    expect(inventoryOf(await stack.state())).toEqual(before);
  });

  it('an offboarding is refused while an onboarding of the tenant runs', async () => {
    const cfg = tenantOf();
    await (await stack.worker()).runUntil(async () => {
      const handle = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
      await stack.waitForPhase(handle, 'awaiting-assignment');
      const outcome = await startOffboarding(stack.client, stack.taskQueue, cfg);
      expect(outcome.phase).toBe('failed');
      expect(outcome.error).toMatch(/still running/);
      await handle.terminate('test over');
    });
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
