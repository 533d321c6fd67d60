import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { parseTenantConfig, type TenantConfig } from '../../src/config/tenant';
import { createDataConverter } from '../../src/temporal/data-converter';
import { cancelOnboardingSignal, confirmGroupAssignmentUpdate, progressQuery } from '../../src/workflows/messages';
import { startTestTemporal, uniqueTaskQueue, workflowBundle } from '../support/temporal';
import { FakeSystems, SECRETS } from './fake-systems';

const EXAMPLE = resolve(__dirname, '../../examples/solar-system.tenant.yaml');
/** The example tenant with its silver application only: these tests are about the workflow, not the tiers. */
function tenant(mutate: (d: Record<string, any>) => void = () => undefined): TenantConfig {
  const doc = parse(readFileSync(EXAMPLE, 'utf8'));
  doc.anypoint.clientApplications = doc.anypoint.clientApplications.slice(0, 1);
  delete doc.verification.otherClients;
  delete doc.verification.signIn;
  mutate(doc);
  return parseTenantConfig(doc, EXAMPLE, resolve(__dirname, '../../examples'));
}

async function waitForPhase(client: Client, workflowId: string, phase: string) {
  for (let i = 0; i < 200; i++) {
    const p = await client.workflow.getHandle(workflowId).query(progressQuery);
    if (p.phase === phase) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run never reached ${phase}`);
}

describe('onboarding workflow on a real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  const dataConverter = createDataConverter();
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(() => env?.teardown());

  async function run<T>(systems: FakeSystems, body: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('onboarding');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle('onboarding'), activities: systems.activities(), dataConverter });
    const client = new Client({ connection: env.connection, dataConverter });
    return worker.runUntil(body(client, taskQueue));
  }

  it('pauses for the group assignment, refuses an early approval, then completes and replays', async () => {
    const systems = new FakeSystems();
    const cfg = tenant();
    const workflowId = `onboarding-happy-${Date.now()}`;
    const history = await run(systems, async (client, taskQueue) => {
      const handle = await client.workflow.start('onboardTenant', { taskQueue, workflowId, args: [{ tenant: cfg }] });
      const waiting = await waitForPhase(client, workflowId, 'awaiting-assignment');
      expect(waiting.missingAssignments).toEqual([expect.stringContaining('→ silverSubscribers')]);

      await expect(handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada' }] })).rejects.toThrow();
      expect((await handle.query(progressQuery)).phase).toBe('awaiting-assignment');

      const clientId = [...systems.resources.keys()].find((k) => k.startsWith('okta.client:'))!.split(':')[1];
      systems.assignments.add(`${clientId}:silverSubscribers`);
      const approval = await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'assigned in Okta' }] });
      expect(approval).toMatchObject({ approver: 'ada', note: 'assigned in Okta' });

      const { progress } = (await handle.result()) as { progress: { phase: string; proof: { passed: boolean }; steps: { state: string }[] } };
      expect(progress.phase).toBe('completed');
      expect(progress.proof.passed).toBe(true);
      expect(progress.steps.every((s) => s.state === 'done')).toBe(true);
      // A completed onboarding writes the tenant's drift schedule.
      expect(systems.driftSchedules).toEqual([cfg.tenant.id]);
      return handle.fetchHistory();
    });
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle('onboarding'), dataConverter }, history, workflowId)).resolves.toBeUndefined();
    // Raw history, read without the codec: no secret, and failure messages are encrypted too.
    const raw = JSON.stringify(history);
    for (const secret of Object.values(SECRETS)) expect(raw).not.toContain(secret);
  });

  it('of two approvals sent at once, one wins and the other is told who approved first', async () => {
    const systems = new FakeSystems();
    const cfg = tenant();
    const workflowId = `onboarding-two-approvers-${Date.now()}`;
    await run(systems, async (client, taskQueue) => {
      const handle = await client.workflow.start('onboardTenant', { taskQueue, workflowId, args: [{ tenant: cfg }] });
      await waitForPhase(client, workflowId, 'awaiting-assignment');
      const clientId = [...systems.resources.keys()].find((k) => k.startsWith('okta.client:'))!.split(':')[1];
      systems.assignments.add(`${clientId}:silverSubscribers`);
      const outcomes = await Promise.allSettled(['ada', 'grace'].map((approver) => handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver }] })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect([won.length, lost.length]).toEqual([1, 1]);
      const winner = (won[0] as PromiseFulfilledResult<{ approver: string }>).value.approver;
      expect(lost[0].reason.cause.message).toContain(`Already approved by ${winner}`);
      const { progress } = (await handle.result()) as { progress: { approval: { approver: string } } };
      expect(progress.approval.approver).toBe(winner);
      // The tenant has consumer access: the completed onboarding started its watcher.
      expect(systems.accessWatchStarts).toBe(1);
    });
  });

  it('a failure after Okta and Anypoint writes undoes only what the run created, in reverse order', async () => {
    const systems = new FakeSystems();
    systems.preExisting('okta.group:goldSubscribers');
    systems.failOn.set('ensureApiPolicy', 'policy refused');
    const cfg = tenant();
    const err = await run(systems, (client, taskQueue) =>
      client.workflow.execute('onboardTenant', { taskQueue, workflowId: `onboarding-fail-${Date.now()}`, args: [{ tenant: cfg }] }).catch((e) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.message).toMatch(/policy refused — rolled back: \d+ undone/);
    expect([...systems.resources.keys()]).toEqual(['okta.group:goldSubscribers']);
    const deletions = systems.writes.filter((w) => w.startsWith('delete '));
    expect(systems.driftSchedules).toEqual([]);
    // Steps that do not depend on each other run together; what must hold is that a child goes before its parent.
    const before = (child: string, parent: string) => expect([child, deletions.indexOf(`delete ${child}`) < deletions.indexOf(`delete ${parent}`)]).toEqual([child, true]);
    for (const child of ['anypoint.deployment', 'anypoint.policy:0', 'anypoint.application:Solar System Silver']) before(child, 'anypoint.apiInstance');
    before('anypoint.apiInstance', 'anypoint.clientProvider');
    before('okta.policyRule', 'okta.accessPolicy');
    for (const child of ['okta.accessPolicy', 'okta.scope:gold', 'okta.scope:silver']) before(child, 'okta.authorizationServer');
    expect(deletions.filter((d) => d.startsWith('delete anypoint.contract'))).toHaveLength(1);
    expect(deletions).not.toContain('delete okta.group:goldSubscribers');
  });

  it('a cancel with a reason rolls back, including the Okta client Anypoint registered', async () => {
    const systems = new FakeSystems();
    const cfg = tenant();
    const workflowId = `onboarding-cancel-${Date.now()}`;
    const err = await run(systems, async (client, taskQueue) => {
      const handle = await client.workflow.start('onboardTenant', { taskQueue, workflowId, args: [{ tenant: cfg }] });
      await waitForPhase(client, workflowId, 'awaiting-assignment');
      expect([...systems.resources.keys()].some((k) => k.startsWith('okta.client:'))).toBe(true);
      await handle.signal(cancelOnboardingSignal, { reason: 'wrong tenant', by: 'grace' });
      return handle.result().catch((e) => e);
    });
    expect((err as WorkflowFailedError).cause?.message).toMatch(/cancelled: wrong tenant \(by grace\)/);
    expect(systems.resources.size).toBe(0);
    expect(systems.writes).toContain('revoke contract');
  });

  it('re-running a converged tenant in auto mode creates nothing', async () => {
    const systems = new FakeSystems();
    const cfg = tenant((d) => (d.assignment = { mode: 'auto' }));
    await run(systems, (client, taskQueue) => client.workflow.execute('onboardTenant', { taskQueue, workflowId: `onboarding-auto-${Date.now()}`, args: [{ tenant: cfg }] }));
    const writesAfterFirst = systems.writes.length;
    await run(systems, (client, taskQueue) => client.workflow.execute('onboardTenant', { taskQueue, workflowId: `onboarding-auto2-${Date.now()}`, args: [{ tenant: cfg }] }));
    expect(systems.writes.length).toBe(writesAfterFirst);
  });
});
