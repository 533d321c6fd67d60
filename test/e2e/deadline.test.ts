import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReminderInfo } from '../../src/activities/notify';
import type { onboardTenant } from '../../src/workflows';
import type { OnboardingProgress } from '../../src/workflows/messages';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTimeSkippingTemporal, testDataConverter, uniqueId } from '../support/temporal';

const HOUR = 3_600_000;

/*
 * The assignment deadline on the time-skipping server, against the real sandboxes: nobody approves,
 * reminders go out every hour (to a webhook), and after 3 hours the run rolls everything back.
 *
 * Time skips only while a time-skipping-aware client awaits a result: `env.client` does (it unlocks
 * skipping around `result()`), a plain Client on `env.connection` does not, and the run then waits
 * on its 1-hour timer in real time. So the workflow is started and awaited through `env.client`,
 * which carries the same data converter as the worker.
 */
describe('assignment deadline on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTimeSkippingTemporal({ dataConverter: testDataConverter() });
    stack = await OnboardingStack.start(env);
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('reminds twice through the webhook, fails at the 3h deadline and rolls back to the state before the run', async () => {
    // The reminder webhook, as Slack's would be: its URL carries a credential, so the tenant references it.
    const hookToken = `hook-${randomBytes(8).toString('hex')}`;
    const reminders: (ReminderInfo & { text: string; approveWith: string })[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === `/services/${hookToken}`) reminders.push(JSON.parse(body));
        res.writeHead(req.url === `/services/${hookToken}` ? 200 : 404).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    process.env.DEADLINE_TEST_WEBHOOK = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/${hookToken}`;
    const cfg = stack.tenant((c) => ({ ...c, assignment: { mode: 'manual', reminderEvery: '1h', deadline: '3h', reminderWebhook: { env: 'DEADLINE_TEST_WEBHOOK' } } }));
    const before = inventoryOf(await stack.state());
    const worker = await stack.worker();

    const workflowId = uniqueId('deadline');
    const err = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof onboardTenant>('onboardTenant', { taskQueue: stack.taskQueue, workflowId, args: [{ tenant: cfg }] });
      // Queries do not unlock time skipping: the run stays in the pause until result() is awaited.
      const waiting = await stack.waitForPhase(handle, 'awaiting-assignment');
      expect([...waiting.missingAssignments].sort()).toEqual([
        expect.stringMatching(/^Solar System Gold .* → goldSubscribers$/),
        expect.stringMatching(/^Solar System Silver .* → silverSubscribers$/),
        expect.stringMatching(/^Solar System Web .* → goldSubscribers$/),
        expect.stringMatching(/^Solar System Web .* → silverSubscribers$/),
      ]);
      expect(waiting.remindersSent).toBe(0);
      return handle.result().then(
        () => new Error('the run completed without an approval'),
        (e: unknown) => e,
      );
    });

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('OnboardingFailed');
    expect(failure.message).toContain('Nobody confirmed the Okta group assignment before the deadline (3h)');
    const progress = failure.details?.[0] as OnboardingProgress;
    expect(progress.phase).toBe('failed');
    expect(progress.steps.find((s) => s.key === 'approval')?.error).toContain('before the deadline (3h)');
    // Reminders at 1h and 2h; at 3h the deadline has come and no reminder goes out.
    expect(progress.remindersSent).toBe(2);
    expect(reminders.map((r) => r.reminder)).toEqual([1, 2]);
    expect(new Set(reminders.map((r) => r.deadline)).size).toBe(1);
    expect(reminders[0].text).toMatch(/waiting for the Okta group assignment[\s\S]*• assign Solar System Silver \(\w+\) → silverSubscribers/);
    expect(reminders[0].approveWith).toBe(`npm run cli -- approve ${cfg.tenant.id} --by <name>`);
    hook.close();
    // The webhook URL is resolved in the worker: history holds only the reference.
    expect(JSON.stringify(await env.client.workflow.getHandle(workflowId).fetchHistory())).not.toContain(hookToken);
    expect(progress.compensation?.failed).toEqual([]);
    expect(progress.compensation?.undone).toEqual(expect.arrayContaining(['anypoint.application:Solar System Silver', 'okta.authorizationServer']));
    expect(inventoryOf(await stack.state())).toEqual(before);

    // The deadline elapsed in workflow time (skipped), not in wall-clock time.
    const { startTime, closeTime } = await env.client.workflow.getHandle(workflowId).describe();
    expect(closeTime!.getTime() - startTime.getTime()).toBeGreaterThanOrEqual(3 * HOUR);
  });
});
