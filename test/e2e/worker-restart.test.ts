import type { TenantConfig } from '../../src/config/tenant';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import type { onboardTenant } from '../../src/workflows';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { autoAssignment, expectCompletedAndProven, expectExactlyTheExampleTenant } from './support/onboarding-run';
import { createDataConverter } from '../../src/temporal/data-converter';
import { eventually } from '../support/eventually';

const WORKER_ENTRY = resolve(__dirname, 'support/worker-process.ts');

interface KillPoint {
  title: string;
  /** The sandbox that holds the request, and the request held (a latency fault) while the worker is killed. */
  service: 'okta' | 'anypoint';
  method: string;
  path: string;
  /** The activity in flight at the kill. */
  activity: string;
  step: string;
  /** The step's outcome after the replacement worker's retry. */
  outcome: 'created' | 'unchanged';
  /** How many requests of this kind the run commits in all: one per resource, none twice. */
  commits: (cfg: TenantConfig) => number;
}

const KILL_POINTS: KillPoint[] = [
  {
    // Held before the sandbox handles it: the dead worker's create is never committed, the retry creates.
    title: 'while its API instance create waits at Anypoint',
    service: 'anypoint',
    method: 'POST',
    path: '^/apimanager/api/v1/organizations/[^/]+/environments/[^/]+/apis$',
    activity: 'ensureApiInstance',
    step: 'anypoint.apiInstance',
    outcome: 'created',
    commits: () => 1,
  },
  {
    // Anypoint is handling the create, waiting on its DCR call to Okta: it commits the application
    // and the Okta client after the worker died. The retry must find them, not register again.
    title: 'while Anypoint registers its client application in Okta',
    service: 'okta',
    method: 'POST',
    path: '^/oauth2/v1/clients$',
    activity: 'ensureClientApplication',
    // The applications register in parallel: whichever one's registration was held is found on the retry.
    step: 'anypoint.application:*',
    outcome: 'unchanged',
    // The example registers one client per application.
    commits: (cfg) => cfg.anypoint.clientApplications.length,
  },
];

describe('a worker process killed in the middle of an onboarding', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let child: ChildProcess | undefined;
  let childOutput = '';
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  beforeEach(async () => {
    stack = await OnboardingStack.start(env);
    childOutput = '';
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it.each(KILL_POINTS)('$title: a new worker takes over, the run completes, proves, and creates nothing twice', async (at) => {
    // The client and both workers share one key, passed to the worker process through its environment.
    const key = randomBytes(32).toString('base64');
    const dataConverter = createDataConverter({ ONBOARDING_CODEC_KEY: key });
    const client = new Client({ connection: env.connection, dataConverter });
    const taskQueue = uniqueTaskQueue('restart');
    const before = inventoryOf(await stack.state());
    // 3 s: the kill lands inside it, and the held request ends well before the dead worker's
    // heartbeat times out (10 s), so the retry sees whatever it committed.
    await stack[at.service].addFault({ kind: 'latency', method: at.method, path: at.path, latencyMs: 3_000, times: 1 });

    child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
      cwd: resolve(__dirname, '../..'),
      env: {
        ...process.env, // the tenant's secrets, exported by the stack
        WORKER_TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR],
        WORKER_TASK_QUEUE: taskQueue,
        WORKER_WORKFLOW_BUNDLE: (getWorkflowBundle('onboarding') as { codePath: string }).codePath,
        ONBOARDING_CODEC_KEY: key,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    child.stdout!.on('data', (d) => (childOutput += d));
    child.stderr!.on('data', (d) => (childOutput += d));
    await eventually('the worker process to poll', async () => (childOutput.includes('worker ready') ? true : child?.exitCode !== null ? Promise.reject(new Error(`worker process exited: ${childOutput}`)) : undefined));

    const handle = await client.workflow.start<typeof onboardTenant>('onboardTenant', {
      taskQueue,
      workflowId: uniqueId('onboarding-restart'),
      args: [{ tenant: stack.tenant(autoAssignment) }],
    });

    // The latency rule retires when its request arrives: from then on, the request is in flight.
    await eventually(`${at.method} ${at.path} to arrive`, async () => ((await stack[at.service].faults()).length === 0 ? true : undefined));
    child.kill('SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);

    // Temporal still counts the step as started by the dead worker (the example's applications are
    // registered in parallel, so other steps of theirs may be in flight beside it).
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending.map((a) => a.activityType?.name)).toContain(at.activity);

    // A new worker takes over once the dead one's heartbeat times out.
    const replacement = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: getWorkflowBundle('onboarding'),
      activities,
      dataConverter,
    });
    const { progress } = await replacement.runUntil(handle.result());

    expectCompletedAndProven(progress);
    await expectExactlyTheExampleTenant(stack, before);
    const isHeldStep = (key: string) => (at.step.endsWith('*') ? key.startsWith(at.step.slice(0, -1)) : key === at.step);
    expect(progress.steps.filter((s) => isHeldStep(s.key)).map((s) => s.outcome)).toContain(at.outcome);
    // Exactly one request per resource was committed, whichever attempt's the held one was.
    const held = (await stack[at.service].requests()).entries.filter((e) => e.method === at.method && new RegExp(at.path).test(e.url.split('?')[0]));
    expect(held.filter((e) => e.status === 201)).toHaveLength(at.commits(stack.tenant()));
  });
});
