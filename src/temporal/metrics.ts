import { ApplicationFailure, CancelledFailure, type MetricMeter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { Context, type Info as ActivityInfo } from '@temporalio/activity';
import { onReadRetry } from '../clients/read-retry';
import { Runtime, type ActivityExecuteInput, type ActivityInboundCallsInterceptor, type ActivityInterceptorsFactory, type Next, type TelemetryOptions } from '@temporalio/worker';
import { accessRequestQuery } from '../workflows/access';

/*
 * Prometheus metrics: the Temporal Runtime's own (workflow and activity task latencies, polls,
 * slots, failures…) and the project's, created on the Runtime's meter so one endpoint serves both.
 * The project's are emitted from the worker side only (an activity interceptor, the tenant-record
 * activity, a sampler of access requests): workflows stay deterministic and untouched.
 */

export const METRICS = {
  /** Counter: runs that ended, by operation (onboarding, offboarding) and outcome (completed, failed, cancelled). */
  runs: 'onboarding_runs',
  /** Histogram (seconds): one step (activity) from its first schedule to its final outcome, retries included. */
  stepDuration: 'onboarding_step_duration_seconds',
  /** Counter: failed attempts Temporal retries, by activity and cause (the failure type, e.g. okta.rate_limited). */
  retries: 'onboarding_activity_retries',
  /** Counter: reads the Okta and Anypoint clients retried at once, inside one attempt, by cause (e.g. okta.server). */
  readRetries: 'onboarding_client_read_retries',
  /** Gauge: consumer access requests (and client removals) waiting for a person's decision, by tenant and kind. */
  accessWaiting: 'onboarding_access_requests_waiting',
} as const;

/** Steps take from milliseconds (a read) to minutes (a rate-limited write waited out). */
const STEP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export class MetricsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsConfigError';
  }
}

/**
 * The Runtime's metrics options from PROMETHEUS_BIND_ADDRESS (`host:port`, e.g. 127.0.0.1:9464;
 * scrape `/metrics` there), or undefined (no exporter: the meter records nothing).
 */
export function metricsFromEnv(env: NodeJS.ProcessEnv = process.env): TelemetryOptions['metrics'] | undefined {
  const address = env.PROMETHEUS_BIND_ADDRESS?.trim();
  if (!address) return undefined;
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(address) || Number(address.split(':').pop()) > 65535) {
    throw new MetricsConfigError(`PROMETHEUS_BIND_ADDRESS=${address} is not host:port. Fix: e.g. PROMETHEUS_BIND_ADDRESS=127.0.0.1:9464 (0.0.0.0:9464 to be scraped from other machines).`);
  }
  return prometheusMetrics(address);
}

export function prometheusMetrics(bindAddress: string): TelemetryOptions['metrics'] {
  return {
    prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true, histogramBucketOverrides: { [METRICS.stepDuration]: STEP_BUCKETS } },
  };
}

/** The failure type Temporal sees: `<system>.<kind>` for the clients' errors (see failures.ts), else the error's name. */
export function causeOf(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  if (err instanceof CancelledFailure) return 'cancelled';
  return (err as Error)?.name ?? 'unknown';
}

/** Whether Temporal schedules another attempt after this one failed with `err`. */
function willRetry(err: unknown, ctx: Context): boolean {
  if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) return false;
  if (err instanceof ApplicationFailure && err.nonRetryable) return false;
  const { attempt, retryPolicy } = ctx.info;
  const maximumAttempts = retryPolicy?.maximumAttempts ?? 0;
  if (maximumAttempts > 0 && attempt >= maximumAttempts) return false;
  const type = err instanceof ApplicationFailure ? err.type : (err as Error)?.name;
  return !(type && retryPolicy?.nonRetryableErrorTypes?.includes(type));
}

/**
 * The Runtime's meter with the activity's tags spelled as Temporal's own metrics spell them
 * (namespace, task_queue, activity_type), so one label selects both; the activity context's meter
 * would tag them in camelCase.
 */
export function activityMeter(info: Pick<ActivityInfo, 'activityNamespace' | 'taskQueue' | 'activityType'>): MetricMeter {
  return Runtime.instance().metricMeter.withTags({ namespace: info.activityNamespace, task_queue: info.taskQueue, activity_type: info.activityType });
}

/** Step durations and retries by cause, around every activity. */
class StepMetrics implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const meter = activityMeter(this.ctx.info);
    const finished = (outcome: string) =>
      meter.createHistogram(METRICS.stepDuration, 'float', undefined, 'Duration of a step (activity), first schedule to final outcome, retries included').record(Math.max(0, Date.now() - this.ctx.info.scheduledTimestampMs) / 1000, { outcome });
    try {
      const result = await next(input);
      finished('completed');
      return result;
    } catch (err) {
      if (willRetry(err, this.ctx)) meter.createCounter(METRICS.retries, undefined, 'Failed activity attempts that Temporal retries, by cause').add(1, { cause: causeOf(err) });
      else finished(err instanceof CancelledFailure ? 'cancelled' : 'failed');
      throw err;
    }
  }
}

export const stepMetricsInterceptor: ActivityInterceptorsFactory = (ctx) => ({ inbound: new StepMetrics(ctx) });

/**
 * Counts the reads the clients retry themselves (they never reach Temporal's retries), tagged with
 * the activity they ran in when there is one. Once per process; returns the unsubscribe.
 */
export function countClientReadRetries(): () => void {
  return onReadRetry((err) => {
    let info: ActivityInfo | undefined;
    try {
      info = Context.current().info;
    } catch {
      // Not inside an activity (a CLI-side read): process-wide tags only.
    }
    const meter = info ? activityMeter(info) : Runtime.instance().metricMeter;
    meter.createCounter(METRICS.readRetries, undefined, 'Reads retried inside the Okta and Anypoint clients, by cause').add(1, { cause: `${err.system}.${err.kind}` });
  });
}

/** Counts a run's end; called by the activity that records it in the tenant record. */
export function countRunOutcome(info: ActivityInfo, operation: string, outcome: string): void {
  activityMeter(info).createCounter(METRICS.runs, undefined, 'Onboarding and offboarding runs that ended, by outcome').add(1, { operation, outcome });
}

export interface AccessWaitingSamplerOptions {
  client: Client;
  meter: MetricMeter;
  taskQueue: string;
  /** @default 30 s */
  everyMs?: number;
  /** The worker's state: samples are taken while it runs (its queries are answered), and stop once it stopped. */
  workerState: () => string;
  /** Told when a sample fails (the gauge keeps its last values). */
  onError?: (err: unknown) => void;
}

/**
 * The access-requests-waiting gauge, sampled: the open request workflows of this task queue
 * (visibility) and each one's state (a query this worker answers). Survives worker restarts, unlike
 * a counter kept in memory; a tenant whose requests were all decided drops back to 0.
 */
export function sampleAccessRequestsWaiting(opts: AccessWaitingSamplerOptions): { sample(): Promise<void>; stop(): void } {
  const gauge = opts.meter.createGauge(METRICS.accessWaiting, 'int', undefined, 'Consumer access requests waiting for a decision');
  let seen = new Set<string>();
  const sample = async () => {
    const counts = new Map<string, { tenant: string; kind: string; n: number }>();
    const query = `WorkflowType IN ('handleAccessRequest', 'retireAccessClient') AND ExecutionStatus = 'Running' AND TaskQueue = '${opts.taskQueue}'`;
    for await (const execution of opts.client.workflow.list({ query })) {
      const progress = await opts.client.workflow.getHandle(execution.workflowId, execution.runId).query(accessRequestQuery).catch(() => undefined);
      if (progress?.state !== 'waiting') continue;
      const key = `${progress.tenantId}\u0000${progress.kind}`;
      const entry = counts.get(key) ?? { tenant: progress.tenantId, kind: progress.kind, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    for (const key of seen) if (!counts.has(key)) gauge.set(0, { tenant: key.split('\u0000')[0], kind: key.split('\u0000')[1] });
    for (const { tenant, kind, n } of counts.values()) gauge.set(n, { tenant, kind });
    seen = new Set([...seen, ...counts.keys()]);
  };
  let running = false;
  const timer = setInterval(() => {
    const state = opts.workerState();
    if (state === 'STOPPED' || state === 'FAILED') return clearInterval(timer);
    if (running || state !== 'RUNNING') return;
    running = true;
    sample()
      .catch((err) => opts.onError?.(err))
      .finally(() => (running = false));
  }, opts.everyMs ?? 30_000);
  timer.unref();
  return { sample, stop: () => clearInterval(timer) };
}
