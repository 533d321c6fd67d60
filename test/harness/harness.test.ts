import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { greetAndWait, releaseSignal, sleepThreeDays, stateQuery, type HarnessActivities } from '../fixtures/harness-workflows';
import { getWorkflowBundle, startTestTemporal, startTimeSkippingTemporal, testDataConverter, uniqueId, uniqueTaskQueue } from '../support/temporal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the test harness on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  const dataConverter = testDataConverter();
  beforeAll(async () => {
    env = await startTestTemporal({ dataConverter });
  });
  afterAll(() => env?.teardown());

  it('retries a failing activity, answers a query, takes a signal, and replays its own history', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    let attempts = 0;
    const activities: HarnessActivities = {
      async greet(name) {
        attempts++;
        if (attempts === 1) throw new Error('first attempt fails on purpose');
        return `hello ${name}`;
      },
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('harness'), activities, dataConverter });

    const handle = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(greetAndWait, { taskQueue, workflowId: uniqueId('greet'), args: ['ada'] });
      let state = await handle.query(stateQuery);
      for (let i = 0; !state.greeting && i < 100; i++) {
        await sleep(100);
        state = await handle.query(stateQuery);
      }
      expect(state).toEqual({ greeting: 'hello ada' });
      await handle.signal(releaseSignal, 'grace');
      expect(await handle.result()).toBe('hello ada, released by grace');
      return handle;
    });
    expect(attempts).toBe(2);

    const history = await handle.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: getWorkflowBundle('harness'), dataConverter }, history, handle.workflowId)).resolves.toBeUndefined();
  });

  it('stores only ciphertext: a client without the codec sees encrypted payloads', async () => {
    const taskQueue = uniqueTaskQueue('cipher');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: getWorkflowBundle('harness'),
      activities: { greet: async (name: string) => `hello ${name}` } satisfies HarnessActivities,
      dataConverter,
    });
    const workflowId = uniqueId('cipher');
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(greetAndWait, { taskQueue, workflowId, args: ['secret-name-4711'] });
      await handle.signal(releaseSignal, 'test');
      await handle.result();
    });

    const history = await new Client({ connection: env.connection }).workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    const wire = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(wire.includes('secret-name-4711')).toBe(false);
  });

  it('encrypts failure messages as well: the client with the codec reads them, the history does not', async () => {
    const taskQueue = uniqueTaskQueue('failure');
    const secret = 'user jane@acme.example not found';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: getWorkflowBundle('harness'),
      activities: {
        greet: async () => {
          throw ApplicationFailure.nonRetryable(secret, 'NotFound');
        },
      } satisfies HarnessActivities,
      dataConverter,
    });
    const workflowId = uniqueId('failure');
    const failure = await worker.runUntil(env.client.workflow.execute(greetAndWait, { taskQueue, workflowId, args: ['jane'] }).catch((err: unknown) => err));
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({ message: secret, type: 'NotFound' });

    const history = await new Client({ connection: env.connection }).workflow.getHandle(workflowId).fetchHistory();
    expect(Buffer.from(temporal.api.history.v1.History.encode(history).finish()).includes('jane@acme.example')).toBe(false);
  });
});

describe('the time-skipping test server', () => {
  it('completes a workflow that sleeps three days in well under a minute', async () => {
    const env = await startTimeSkippingTemporal();
    try {
      const taskQueue = uniqueTaskQueue('sleepy');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('harness') });
      const started = Date.now();
      const result = await worker.runUntil(env.client.workflow.execute(sleepThreeDays, { taskQueue, workflowId: uniqueId('sleepy') }));
      expect(result).toBe('woke up');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await env.teardown();
    }
  });
});
