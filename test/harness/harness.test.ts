import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../src/temporal/data-converter';
import { startTestTemporal, startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from '../support/temporal';

describe('test harness on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(() => env?.teardown());

  it('retries a failing activity, takes a signal, answers a query, and replays its own history', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    const dataConverter = createDataConverter();
    let attempts = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle('harness'),
      dataConverter,
      activities: {
        async flaky(name: string) {
          attempts++;
          if (attempts === 1) throw new Error('first attempt fails');
          return `hello ${name}`;
        },
      },
    });
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection: env.connection, dataConverter });
    const handle = await worker.runUntil(async () => {
      const h = await client.workflow.start('harnessWorkflow', { taskQueue, workflowId: `harness-${taskQueue}`, args: ['ada'] });
      // Query until the activity's retry has succeeded.
      let state = await h.query<{ greeting?: string }>('state');
      while (!state.greeting) {
        await new Promise((r) => setTimeout(r, 100));
        state = await h.query('state');
      }
      expect(state.greeting).toBe('hello ada');
      await h.signal('proceed', 'grace');
      expect(await h.result()).toBe('hello ada, released by grace');
      return h;
    });
    expect(attempts).toBe(2);

    const history = await handle.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle('harness'), dataConverter }, history)).resolves.toBeUndefined();
  });
});

describe('time-skipping test server', () => {
  it('completes a workflow that sleeps for days without waiting for them', async () => {
    const env = await startTimeSkippingTemporal();
    try {
      const taskQueue = uniqueTaskQueue('sleepy');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle('harness') });
      const result = await worker.runUntil(env.client.workflow.execute('sleepyWorkflow', { taskQueue, workflowId: `sleepy-${taskQueue}` }));
      expect(result).toBe('woke up');
    } finally {
      await env.teardown();
    }
  });
});
