import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import { ensureTemporalCli } from '../../src/temporal/binaries';
import { createDataConverter } from '../../src/temporal/data-converter';
import { freePort, startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { confirmOffboardingUpdate, offboardingProgressQuery, offboardTenant, type OffboardingProgress } from '../../src/workflows/offboarding';
import { onboardTenant } from '../../src/workflows';
import { offboardingWorkflowIdFor, onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { inventoryDiff, inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';
import { eventually } from '../support/eventually';

const WORKER_ENTRY = resolve(__dirname, 'support/worker-process.ts');
const API_INSTANCE_DELETE = '^/apimanager/api/v1/organizations/[^/]+/environments/[^/]+/apis/[^/]+$';

/*
 * An offboarding in the middle of its removals loses both its worker (SIGKILL) and its Temporal
 * server (SIGKILL, then restarted on its SQLite file). A new worker finishes it, exactly once: the
 * sandboxes end as they were before the onboarding, and the held delete is committed once.
 */
describe('an offboarding through a worker kill and a Temporal server restart', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let server: RunningDevServer | undefined;
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'offboarding-restart-'));
  beforeAll(async () => {
    // The sandboxes' stack wants a test environment; this test's runs use a server of its own.
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server?.stop();
    await stack?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes once after both are killed mid-removal', async () => {
    const options = { cliPath: ensureTemporalCli(), port: await freePort(), uiPort: false as const, dbFile: join(dir, 'temporal.db'), detached: false };
    server = await startDevServer(options);
    const key = randomBytes(32).toString('base64');
    const dataConverter = createDataConverter({ ONBOARDING_CODEC_KEY: key });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter });
    const taskQueue = uniqueTaskQueue('offboarding-restart');
    const cfg = stack.tenant((c) => ({ ...c, tenant: { ...c.tenant, id: uniqueId('offr').toLowerCase().replace(/[^a-z0-9-]/g, '-') }, assignment: { mode: 'auto' } }));
    const before = inventoryOf(await stack.state());

    // The worker in a process of its own, so it can be killed.
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, WORKER_TEMPORAL_ADDRESS: server.address, WORKER_TASK_QUEUE: taskQueue, WORKER_WORKFLOW_BUNDLE: (getWorkflowBundle('onboarding') as { codePath: string }).codePath, ONBOARDING_CODEC_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await eventually('the worker process to poll', async () => (output.includes('worker ready') ? true : undefined), { retryErrors: true });

    const onboarding = await client.workflow.start(onboardTenant, { taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
    expect((await onboarding.result()).progress.phase).toBe('completed');

    // The API instance's delete is held at Anypoint past both kills, then committed.
    await stack.anypoint.addFault({ kind: 'latency', method: 'DELETE', path: API_INSTANCE_DELETE, latencyMs: 4_000, times: 1 });
    const offboarding = await client.workflow.start(offboardTenant, { taskQueue, workflowId: offboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
    await eventually('the removal list', async () => ((await offboarding.query(offboardingProgressQuery)).phase === 'awaiting-confirmation' ? true : undefined), { retryErrors: true });
    await offboarding.executeUpdate(confirmOffboardingUpdate, { args: [{ approver: 'grace' }] });
    await eventually('the API instance delete to arrive', async () => ((await stack.anypoint.faults()).length === 0 ? true : undefined), { retryErrors: true });

    child.kill('SIGKILL');
    expect(await once(child, 'exit')).toEqual([null, 'SIGKILL']);
    process.kill(server.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    server = await startDevServer(options);

    // A new worker on the restarted server finishes the offboarding.
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), activities, dataConverter });
    const done: OffboardingProgress = await worker.runUntil(client.workflow.getHandle<typeof offboardTenant>(offboardingWorkflowIdFor(cfg.tenant.id)).result());
    await workerConnection.close();
    await connection.close();

    expect(done.phase).toBe('completed');
    expect(done.notRemoved).toEqual([]);
    expect(inventoryDiff(before, inventoryOf(await stack.state()))).toEqual({ added: [], removed: [], changed: [] });
    const deletes = (await stack.anypoint.requests()).entries.filter((e) => e.method === 'DELETE' && new RegExp(API_INSTANCE_DELETE).test(e.url.split('?')[0]));
    // The held delete committed after its worker died (the log keeps no answer for a caller that is gone);
    // the new worker's retry found the instance gone (404) instead of failing or deleting anything else.
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((e) => e.status === 404 || e.status === 204)).toBe(true);
    expect(deletes.filter((e) => e.status === 204).length).toBeLessThanOrEqual(1);
  });
});
