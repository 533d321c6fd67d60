import { createServer } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import type { TenantConfig } from '../../src/config/tenant';
import { createLogger } from '../../src/logging';
import { METRICS, prometheusMetrics } from '../../src/temporal/metrics';
import { installObservability, type Observability } from '../../src/temporal/observability';
import { workerTracing } from '../../src/temporal/tracing';
import { bundleOnboardingWorkflows, createOnboardingWorker } from '../../src/worker';
import { CATALOGUE } from '../../src/workflows/catalogue';
import { accessRequestQuery, stopAccessWatchSignal } from '../../src/workflows/access';
import { accessRequestIdFor, accessWatchIdFor, onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { AnypointConsumer } from '../support/consumer';
import { secretsOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * One onboarding on the sandboxes and a real Temporal server, observed as an operator would: its
 * trace (read from the SDK's in-memory exporter), the Prometheus endpoint scraped, and every log
 * line the worker and the sandboxes wrote, searched for secrets.
 */

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** `name{labels} value` lines of one metric whose labels include all of `labels`. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

describe('observability of an onboarding: trace, metrics, logs', () => {
  const spans = new InMemorySpanExporter();
  const logLines: string[] = [];
  let observability: Observability;
  let metricsUrl: string;
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let consumer: AnypointConsumer;

  beforeAll(async () => {
    // jest's setup file installed a quiet Runtime with no exporter; this file needs the product's.
    await Runtime.instance().shutdown();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const destination = { write: (line: string) => void logLines.push(line) };
    observability = installObservability({
      name: 'worker',
      level: 'debug',
      format: 'json',
      destination,
      metrics: prometheusMetrics(`127.0.0.1:${port}`),
      tracing: workerTracing(new SimpleSpanProcessor(spans)),
    });
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env, { logger: createLogger({ name: 'sandbox', level: 'info', format: 'json', destination }) });
    consumer = new AnypointConsumer(stack.sandboxes);
  });
  afterAll(async () => {
    await consumer?.close();
    await stack?.close();
    await env?.teardown();
    await observability?.shutdown();
  });

  it('traces the workflow and its activities as one linked trace, counts the run, its steps, retries and a waiting request, and logs no secret', async () => {
    const probe = (path: string, expect: number) => ({ method: 'GET' as const, path, expect });
    const cfg: TenantConfig = stack.tenant((c) => ({
      ...c,
      tenant: { ...c.tenant, id: uniqueId('observed').toLowerCase().replace(/[^a-z0-9-]/g, '-') },
      assignment: { mode: 'auto' },
      access: {
        watchEvery: '1s',
        reminderEvery: '1h',
        deadline: '72h',
        deletedApplications: 'auto',
        tiers: { gold: { groups: ['goldSubscribers'], approval: 'manual', scopes: ['gold'], allowed: [probe('/moons', 200)], denied: [] } },
      },
    }));
    const tenantId = cfg.tenant.id;
    // Okta fails the first group creation once: Temporal retries the step, and the metrics say why.
    await stack.okta.addFault({ kind: 'error', method: 'POST', path: '^/api/v1/groups$', status: 503, times: 1 });
    // And one group look-up once: the client retries that read itself, inside the attempt.
    await stack.okta.addFault({ kind: 'error', method: 'GET', path: '^/api/v1/groups$', status: 503, times: 1 });

    const workflowBundle = await bundleOnboardingWorkflows(observability.tracing!.workflowInterceptorModules);
    const worker = await createOnboardingWorker({ connection: env.nativeConnection, taskQueue: stack.taskQueue, workflowBundle, dataConverter: stack.dataConverter, accessSampleEveryMs: 250 });
    let scraped = '';
    await worker.runUntil(async () => {
      const handle = await stack.client.workflow.start('onboardTenant', { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(tenantId), args: [{ tenant: cfg }] });
      expect((await handle.result()).progress.phase).toBe('completed');

      // A consumer asks for the gold tier, which waits for a person.
      const apiId = await consumer.apiId(cfg.anypoint.api.instanceLabel);
      const request = await consumer.requestAccess(apiId, 'Olga Gold App', await consumer.createTier(apiId, 'gold', false));
      const requestHandle = stack.client.workflow.getHandle(accessRequestIdFor(tenantId, { contractId: request.contractId, clientId: request.clientId }));
      for (let state: string | undefined; state !== 'waiting'; ) {
        await new Promise((r) => setTimeout(r, 250));
        state = await requestHandle.query(accessRequestQuery).then((p) => p.state, () => undefined);
      }
      // The gauge is sampled; wait for the sample that saw the request.
      while (samples(scraped, METRICS.accessWaiting, { tenant: tenantId, kind: 'request' })[0] !== 1) {
        await new Promise((r) => setTimeout(r, 250));
        scraped = await (await fetch(metricsUrl)).text();
      }
      await stack.client.workflow.getHandle(accessWatchIdFor(tenantId)).signal(stopAccessWatchSignal);
      await requestHandle.terminate('test over');
    });

    // The trace: the workflow's span, one span per activity it scheduled, each activity's execution
    // under it, all in one trace.
    let finished: ReadableSpan[] = [];
    const runWorkflow = () => finished.find((s) => s.name === 'RunWorkflow:onboardTenant' && s.attributes.workflowId === onboardingWorkflowIdFor(tenantId));
    for (; !runWorkflow(); await new Promise((r) => setTimeout(r, 100))) finished = spans.getFinishedSpans();
    const root = runWorkflow()!;
    const inTrace = finished.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    const started = inTrace.filter((s) => s.name.startsWith('StartActivity:') && s.parentSpanId === root.spanContext().spanId);
    const ran = inTrace.filter((s) => s.name.startsWith('RunActivity:'));
    expect(started.map((s) => s.name)).toEqual(expect.arrayContaining(['StartActivity:ensureAuthorizationServer', 'StartActivity:ensureGroup', 'StartActivity:ensureClientProvider', 'StartActivity:proveIntegration', 'StartActivity:recordTenantEvent']));
    // Every activity the onboarding scheduled ran under its schedule's span, in this process.
    for (const schedule of started) {
      const executions = ran.filter((s) => s.parentSpanId === schedule.spanContext().spanId);
      expect(executions.map((s) => s.name)).toContain(schedule.name.replace('StartActivity:', 'RunActivity:'));
    }
    // The worker's own client carried the trace on: the access watcher the onboarding started is in it too.
    // (The watcher's own span ends only when the watcher does; its start and its first activity are finished.)
    expect(inTrace.map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^(StartWorkflow|SignalWithStartWorkflow):watchAccessRequests$/), 'RunActivity:locateApiInstance']));
    // The group step's first attempt failed and is in the trace as such; the retry succeeded.
    const groupRuns = ran.filter((s) => s.name === 'RunActivity:ensureGroup');
    expect(groupRuns.filter((s) => s.status.code === 2 /* ERROR */)).toHaveLength(1);

    // The metrics: Temporal's own, and the project's with the values of this run.
    expect(samples(scraped, 'temporal_workflow_completed_total', { task_queue: stack.taskQueue }).length).toBeGreaterThan(0);
    expect(samples(scraped, `${METRICS.runs}_total`, { operation: 'onboarding', outcome: 'completed', task_queue: stack.taskQueue })).toEqual([1]);
    const groups = CATALOGUE.group.select(cfg).length;
    expect(samples(scraped, `${METRICS.stepDuration}_count`, { activity_type: 'ensureGroup', outcome: 'completed', task_queue: stack.taskQueue })).toEqual([groups]);
    const [proofSeconds] = samples(scraped, `${METRICS.stepDuration}_sum`, { activity_type: 'proveIntegration', outcome: 'completed', task_queue: stack.taskQueue });
    expect(proofSeconds).toBeGreaterThan(0);
    expect(samples(scraped, `${METRICS.retries}_total`, { activity_type: 'ensureGroup', cause: 'okta.server', task_queue: stack.taskQueue })).toEqual([1]);
    expect(samples(scraped, METRICS.accessWaiting, { tenant: tenantId, kind: 'request' })).toEqual([1]);
    expect(samples(scraped, `${METRICS.readRetries}_total`, { cause: 'okta.server', task_queue: stack.taskQueue })).toEqual([1]);

    // The logs: JSON lines from the worker (the SDK's, its core's, the activities' with their failures'
    // causes) and from the sandboxes (every request, Authorization headers and token calls included), and no secret.
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((e) => e.name === 'worker' && e.sdkComponent === 'core')).toBe(true);
    expect(entries.some((e) => e.name === 'worker' && e.msg === 'Activity completed' && e.activityType === 'proveIntegration' && e.workflowId === onboardingWorkflowIdFor(tenantId))).toBe(true);
    expect(entries.find((e) => e.name === 'worker' && e.activityType === 'ensureGroup' && e.level === 40)?.error).toMatchObject({ type: 'okta.server', message: expect.stringContaining('HTTP 503') });
    expect(entries.some((e) => e.name === 'sandbox' && e.sandbox === 'okta' && e.method === 'POST')).toBe(true);
    expect(entries.some((e) => e.name === 'sandbox' && String(e.url).includes('/token'))).toBe(true);
    const text = logLines.join('');
    const secrets = secretsOf(await stack.state());
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(text).not.toMatch(/(SSWS|Bearer|Basic) (?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/);
  });
});
