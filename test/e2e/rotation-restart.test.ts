import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import { createDataConverter } from '../../src/temporal/data-converter';
import { onboardTenant, rotateCredential } from '../../src/workflows';
import { onboardingWorkflowIdFor, rotationWorkflowIdFor } from '../../src/workflows/ids';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { eventually } from '../support/eventually';

const WORKER_ENTRY = resolve(__dirname, 'support/worker-process.ts');
const SECRETS_PATH = '^/api/v1/apps/[^/]+/credentials/secrets$';

describe('a worker process killed in the middle of a rotation', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.close();
    await env?.teardown();
  });

  it('while Okta creates the second introspection secret: a new worker finishes it, with exactly one new secret', async () => {
    const key = randomBytes(32).toString('base64');
    const dataConverter = createDataConverter({ ONBOARDING_CODEC_KEY: key });
    const client = new Client({ connection: env.connection, dataConverter });
    const taskQueue = uniqueTaskQueue('rotation-restart');
    const cfg = stack.tenant((c) => ({ ...c, tenant: { ...c.tenant, id: uniqueId('rotr').toLowerCase().replace(/[^a-z0-9-]/g, '-') }, assignment: { mode: 'auto' } }));
    const worker = () => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), activities, dataConverter });
    await (await worker()).runUntil(async () => {
      const onboarding = await client.workflow.start(onboardTenant, { taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
      expect((await onboarding.result()).progress.phase).toBe('completed');
    });
    const appId = Object.values((await stack.state()).okta.apps).find((a) => a.label === cfg.okta.introspectionClient.label)!.id;
    const oldSecretId = (await stack.state()).okta.apps[appId].secrets[0].id;

    // The secret's create is held at Okta past the kill, then committed: the retry must find it, not add another.
    await stack.okta.addFault({ kind: 'latency', method: 'POST', path: SECRETS_PATH, latencyMs: 3_000, times: 1 });
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, WORKER_TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR], WORKER_TASK_QUEUE: taskQueue, WORKER_WORKFLOW_BUNDLE: (getWorkflowBundle('onboarding') as { codePath: string }).codePath, ONBOARDING_CODEC_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await eventually('the worker process to poll', async () => (output.includes('worker ready') ? true : undefined));

    const handle = await client.workflow.start(rotateCredential, { taskQueue, workflowId: rotationWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg, credential: 'introspection-secret', by: 'ada' }] });
    await eventually('the secret create to arrive at Okta', async () => ((await stack.okta.faults()).length === 0 ? true : undefined));
    child.kill('SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(((await handle.describe()).raw.pendingActivities ?? []).map((a) => a.activityType?.name)).toEqual(['addIntrospectionSecret']);

    const result = await (await worker()).runUntil(handle.result());
    expect(result.phase).toBe('completed');
    const creates = (await stack.okta.requests()).entries.filter((e) => e.method === 'POST' && new RegExp(SECRETS_PATH).test(e.url.split('?')[0]));
    expect(creates.filter((e) => e.status === 201)).toHaveLength(1);
    const secrets = (await stack.state()).okta.apps[appId].secrets;
    expect(secrets.map((s) => [s.id, s.status])).toEqual([[result.newSecretId, 'ACTIVE']]);
    expect(result.retiredSecretId).toBe(oldSecretId);
    expect((await stack.state()).anypoint.clientProviders[0].primaryClient.secret).toBe(secrets[0].secret);
  });
});
