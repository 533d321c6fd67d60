import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import { OktaClient } from '../../src/clients/okta';
import type { TenantConfig } from '../../src/config/tenant';
import { decideAccessRequest, listAccessRequests, type AccessRequestSummary } from '../../src/cli/access';
import { readRecord } from '../../src/cli/lifecycle';
import { sandboxSecretEnv } from '../../src/sandbox/tenant';
import { createDataConverter } from '../../src/temporal/data-converter';
import { onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { AnypointConsumer } from '../support/consumer';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { until } from '../support/eventually';

const WORKER_ENTRY = resolve(__dirname, 'support/worker-process.ts');
const REQUESTS_PER_TENANT = 10;
/** Twenty requests, faults and a worker kill on 2 cores: generous waits. */
const UNDER_LOAD = { timeoutMs: 120_000, everyMs: 300 };

/*
 * Twenty consumers ask for access to two tenants' APIs at once (two orgs: two sets of sandboxes),
 * with 5xx and 429 injected on both platforms and the worker process killed while the requests
 * are handled. Afterwards every request ended exactly once and changed exactly what its tier says.
 */
describe('consumer access requests under load, faults and a worker kill', () => {
  let env: TestWorkflowEnvironment;
  const stacks: OnboardingStack[] = [];
  let child: ChildProcess | undefined;
  let output = '';
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const s of stacks) await s.close();
    await env?.teardown();
  });

  it('20 requests across two tenants end once each, with exactly their tier\'s groups, and nothing else changes', async () => {
    // Each org's secrets under names of its own: one worker serves both tenants.
    const tenants: { stack: OnboardingStack; cfg: TenantConfig; okta: OktaClient; consumer: AnypointConsumer }[] = [];
    const secretEnv: Record<string, string> = {};
    for (const suffix of ['A', 'B']) {
      const stack = await OnboardingStack.start(env);
      stacks.push(stack);
      const names = { OKTA_API_TOKEN: `OKTA_API_TOKEN_${suffix}`, ANYPOINT_CLIENT_ID: `ANYPOINT_CLIENT_ID_${suffix}`, ANYPOINT_CLIENT_SECRET: `ANYPOINT_CLIENT_SECRET_${suffix}` };
      for (const [name, value] of Object.entries(sandboxSecretEnv(stack.sandboxes))) secretEnv[names[name as keyof typeof names]] = value;
      const cfg = stack.tenant((c) => ({
        ...c,
        tenant: { ...c.tenant, id: uniqueId(`load-${suffix.toLowerCase()}`).toLowerCase().replace(/[^a-z0-9-]/g, '-') },
        okta: { ...c.okta, apiToken: { env: names.OKTA_API_TOKEN } },
        anypoint: { ...c.anypoint, connectedApp: { clientId: { env: names.ANYPOINT_CLIENT_ID }, clientSecret: { env: names.ANYPOINT_CLIENT_SECRET } } },
        assignment: { mode: 'auto' },
        access: {
          watchEvery: '1s',
          reminderEvery: '1h',
          deadline: '72h',
          deletedApplications: 'auto',
          tiers: {
            silver: { groups: ['silverSubscribers'], approval: 'auto', scopes: ['silver'], allowed: [{ method: 'GET', path: '/planets', expect: 200 }], denied: [] },
            gold: { groups: ['goldSubscribers', 'silverSubscribers'], approval: 'manual', scopes: ['gold'], allowed: [], denied: [] },
          },
        },
      }));
      tenants.push({ stack, cfg, okta: new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken }), consumer: new AnypointConsumer(stack.sandboxes) });
    }
    Object.assign(process.env, secretEnv);

    const key = randomBytes(32).toString('base64');
    const client = new Client({ connection: env.connection, dataConverter: createDataConverter({ ONBOARDING_CODEC_KEY: key }) });
    const taskQueue = uniqueTaskQueue('access-load');
    const startWorkerProcess = async () => {
      output = '';
      child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
        cwd: resolve(__dirname, '../..'),
        env: { ...process.env, WORKER_TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR], WORKER_TASK_QUEUE: taskQueue, WORKER_WORKFLOW_BUNDLE: (getWorkflowBundle('onboarding') as { codePath: string }).codePath, ONBOARDING_CODEC_KEY: key },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      await until('the worker process to poll', async () => output.includes('worker ready'), UNDER_LOAD);
    };
    await startWorkerProcess();

    // Both tenants onboarded; their watchers start with them.
    await Promise.all(tenants.map(async ({ cfg }) => {
      const handle = await client.workflow.start('onboardTenant', { taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
      expect((await handle.result()).progress.phase).toBe('completed');
    }));
    const apps = async (t: (typeof tenants)[number]) => Object.fromEntries(Object.values((await t.stack.state()).okta.apps).map((a) => [a.id, JSON.stringify(a)]));
    const appsBefore = await Promise.all(tenants.map(apps));

    const apiIds = await Promise.all(tenants.map((t) => t.consumer.apiId(t.cfg.anypoint.api.instanceLabel)));
    const tierIds = await Promise.all(tenants.map(async (t, i) => ({ silver: await t.consumer.createTier(apiIds[i], 'silver', true), gold: await t.consumer.createTier(apiIds[i], 'gold', false) })));

    // Sustained faults on both platforms from now on. (At 15% a step of many reads stalls in activity
    // backoff: the reliability issue's business, not this test's.)
    for (const { stack } of tenants) {
      await stack.okta.addFault({ kind: 'error', status: 500, probability: 0.05, path: '^/api/v1/(groups|apps)' });
      await stack.okta.addFault({ kind: 'rateLimit', probability: 0.05, path: '^/api/v1/apps/[^/]+/groups' });
      await stack.anypoint.addFault({ kind: 'error', status: 503, probability: 0.05, path: '/contracts' });
    }

    // Twenty consumers at once: per tenant 6 silver (auto) and 4 gold (manual).
    const requests = (await Promise.all(tenants.map((t, ti) =>
      Promise.all(Array.from({ length: REQUESTS_PER_TENANT }, async (_x, i) => {
        const tier = i < 6 ? 'silver' : 'gold';
        // A refused create wrote nothing (the faults are refusals), so each part is retried alone.
        const app = await retrying(() => t.consumer.createApplication(apiIds[ti], `Consumer ${ti}-${i}`));
        const contract = await retrying(() => t.consumer.createContract(apiIds[ti], app.applicationId, tierIds[ti][tier]));
        return { tenant: ti, tier, ...app, ...contract };
      })),
    ))).flat();

    // The worker dies while requests are in flight; another takes over.
    await until('some requests to be handled', async () => (await allRequests()).filter((r) => r.progress?.state === 'approved').length >= 3, UNDER_LOAD);
    child!.kill('SIGKILL');
    await once(child!, 'exit');
    const replacement = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), activities, dataConverter: createDataConverter({ ONBOARDING_CODEC_KEY: key }) });

    await replacement.runUntil(async () => {
      const gold = requests.filter((r) => r.tier === 'gold');
      await until('every gold request to wait', async () => {
        const all = await allRequests();
        return gold.every((g) => all.find((r) => r.progress?.request.contractId === g.contractId && r.progress.kind === 'request' && r.progress.request.clientId === g.clientId)?.progress?.state === 'waiting');
      }, UNDER_LOAD);
      // Half the gold requests approved (the project assigns), half rejected.
      for (const [i, g] of gold.entries()) {
        const t = tenants[g.tenant];
        await retrying(() => decideAccessRequest(client, t.cfg.tenant.id, g.contractId, i % 2 === 0 ? 'approve' : 'reject', 'grace', { assignForMe: true }));
        (g as { decided?: string }).decided = i % 2 === 0 ? 'approved' : 'rejected';
      }
      // Ended means the workflow closed: it records its decision in the tenant record before it returns
      // (a record write held by the killed worker waits out its activity timeout first).
      await until('every request to end', async () => {
        const all = await allRequests();
        return requests.every((q) => {
          const summary = summaryOf(all, q);
          return summary?.status === 'COMPLETED' && ['approved', 'rejected'].includes(summary.progress?.state ?? '');
        });
      }, { timeoutMs: 180_000, everyMs: 300 });
      for (const { stack } of tenants) {
        await stack.okta.clearFaults();
        await stack.anypoint.clearFaults();
      }

      const all = await allRequests();
      for (const q of requests) {
        const t = tenants[q.tenant];
        // Exactly one request workflow per contract, ended the way it was decided.
        expect(all.filter((r) => r.progress?.kind === 'request' && r.progress.request.contractId === q.contractId && r.workflowId.includes(t.cfg.tenant.id))).toHaveLength(1);
        const expected = q.tier === 'silver' ? 'approved' : (q as { decided?: string }).decided;
        expect([q.applicationId, progressOf(all, q)?.state]).toEqual([q.applicationId, expected]);
        const groups = expected === 'rejected' ? undefined : q.tier === 'silver' ? ['silverSubscribers'] : ['goldSubscribers', 'silverSubscribers'];
        if (groups) expect([q.applicationId, await assignedGroups(t.okta, q.clientId)]).toEqual([q.applicationId, groups]);
        else expect(await t.okta.getApp(q.clientId)).toBeUndefined();
      }
      // A consumer of tenant A deletes her application: her Okta client goes; tenant B's clients stay.
      const leaving = requests.find((q) => q.tenant === 0 && q.tier === 'silver')!;
      const bClientsBefore = await apps(tenants[1]);
      await tenants[0].consumer.deleteApplication(leaving.applicationId);
      await until('the deleted application\'s client to be retired', async () =>
        (await listAccessRequests(client, tenants[0].cfg.tenant.id)).some((r) => r.progress?.kind === 'retirement' && r.progress.request.clientId === leaving.clientId && r.progress.state === 'retired'), UNDER_LOAD);
      expect(await tenants[0].okta.getApp(leaving.clientId)).toBeUndefined();
      expect(await apps(tenants[1])).toEqual(bClientsBefore);
      for (const q of requests.filter((r) => r !== leaving && (r.tier === 'silver' || (r as { decided?: string }).decided === 'approved'))) {
        expect([q.clientId, (await tenants[q.tenant].okta.getApp(q.clientId))?.status]).toEqual([q.clientId, 'ACTIVE']);
      }

      // Exactly one decision per request in each tenant record.
      for (const [ti, t] of tenants.entries()) {
        const record = (await readRecord(client, t.cfg.tenant.id))!;
        const decided = record.events.flatMap((e) => (e.type === 'access' && e.kind === 'request' ? [e.request.contractId] : []));
        expect(decided.sort()).toEqual(requests.filter((q) => q.tenant === ti).map((q) => q.contractId).sort());
        expect(record.events.filter((e) => e.type === 'access' && e.kind === 'retirement').length).toBe(ti === 0 ? 1 : 0);
      }
    });

    // Every Okta client that existed before the requests is byte-identical: only the consumers' changed.
    for (const [i, t] of tenants.entries()) {
      const after = await apps(t);
      for (const [id, app] of Object.entries(appsBefore[i])) expect([id, after[id]]).toEqual([id, app]);
    }

    async function allRequests(): Promise<AccessRequestSummary[]> {
      return (await Promise.all(tenants.map((t) => listAccessRequests(client, t.cfg.tenant.id)))).flat();
    }
  }, 360_000);
});

function summaryOf(all: AccessRequestSummary[], q: { contractId: string; clientId: string }) {
  return all.find((r) => r.progress?.kind === 'request' && r.progress.request.contractId === q.contractId && r.progress.request.clientId === q.clientId);
}

function progressOf(all: AccessRequestSummary[], q: { contractId: string; clientId: string }) {
  return summaryOf(all, q)?.progress;
}

async function assignedGroups(okta: OktaClient, clientId: string): Promise<string[]> {
  const names: string[] = [];
  for (const group of ['goldSubscribers', 'silverSubscribers']) {
    if (await okta.getAppGroupAssignment(clientId, (await okta.findGroupByName(group))!.id!)) names.push(group);
  }
  return names;
}

/** The test's own calls meet the same injected faults as the product's: it retries them like a person would. */
async function retrying<T>(call: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts || (err as { exitCode?: number }).exitCode === 3) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
