import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../src/temporal/data-converter';
import { keyIdOf, KEY_ID_METADATA } from '../../src/temporal/codec';
import { emptyTenantRecord, recordTenantEventSignal, tenantRecord, tenantRecordQuery, type TenantEvent } from '../../src/workflows/tenant-record';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';

/*
 * The README's codec key rotation, on a real Temporal server: a tenant record written under key A
 * stays readable once client and worker run with B as current and A among the previous keys, and
 * what is written after the restart is encrypted with B.
 */
describe('rotating the payload codec key', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => (env = await startTestTemporal()));
  afterAll(async () => env?.teardown());

  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const before = { ONBOARDING_CODEC_KEY: keyA.toString('base64') };
  const after = { ONBOARDING_CODEC_KEY: keyB.toString('base64'), ONBOARDING_CODEC_PREVIOUS_KEYS: `${keyIdOf(keyA)}:${keyA.toString('base64')}` };

  const event = (id: string): TenantEvent => ({
    id,
    at: new Date().toISOString(),
    type: 'rotation',
    rotation: { credential: 'okta-token', workflowId: 'w', runId: id, by: 'ada', startedAt: '', closedAt: '', outcome: 'completed', steps: [] },
  });

  /** A client and a worker configured from one environment, as `npm run worker` and the CLI are. */
  async function withProcesses<T>(codecEnv: Record<string, string>, taskQueue: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const dataConverter = createDataConverter(codecEnv);
    const client = new Client({ connection: env.connection, dataConverter });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), dataConverter });
    return worker.runUntil(() => fn(client));
  }

  const keyIdsOf = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.metadata![KEY_ID_METADATA]!).toString());

  it('history written with key A is read with B current and A previous; new payloads are written with B', async () => {
    const taskQueue = uniqueTaskQueue('codec');
    const workflowId = uniqueId('tenant-codec');
    await withProcesses(before, taskQueue, async (client) => {
      await client.workflow.signalWithStart(tenantRecord, { workflowId, taskQueue, args: [emptyTenantRecord('codec', new Date().toISOString())], signal: recordTenantEventSignal, signalArgs: [event('a')] });
      expect((await client.workflow.getHandle(workflowId).query(tenantRecordQuery)).events.map((e) => e.id)).toEqual(['a']);
    });

    // Restarted with B current and A previous: a new worker replays A's history, and the client reads it.
    await withProcesses(after, taskQueue, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      await handle.signal(recordTenantEventSignal, event('b'));
      expect((await handle.query(tenantRecordQuery)).events.map((e) => e.id)).toEqual(['a', 'b']);
    });

    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads as Payload[];
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).map((e) => e.workflowExecutionSignaledEventAttributes!.input!.payloads![0] as Payload);
    expect(keyIdsOf(started)).toEqual([keyIdOf(keyA)]);
    expect(keyIdsOf(signals)).toEqual([keyIdOf(keyA), keyIdOf(keyB)]);

    // Without A among the previous keys, the old history is unreadable: the previous keys are what carry it.
    await expect(createDataConverter({ ONBOARDING_CODEC_KEY: after.ONBOARDING_CODEC_KEY }).payloadCodecs![0].decode(started)).rejects.toMatchObject({ code: 'CODEC_KEY_UNKNOWN' });
    await env.client.workflow.getHandle(workflowId).terminate('test over');
  });
});
