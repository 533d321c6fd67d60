import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../../../src/activities';
import { cancel, startOnboarding } from '../../../src/cli/operations';
import { isConfigurationWrite, type FaultSpec, type RequestLogEntry } from '../../../src/sandbox/core';
import { sandboxSecretEnv } from '../../../src/sandbox/tenant';
import { ensureTemporalCli } from '../../../src/temporal/binaries';
import { createDataConverter } from '../../../src/temporal/data-converter';
import { freePort, startDevServer, type DevServerOptions, type RunningDevServer } from '../../../src/temporal/dev-server';
import type { onboardTenant } from '../../../src/workflows';
import { progressQuery } from '../../../src/workflows/messages';
import { SECRET_PATTERNS } from '../../workflows/history-fixtures';
import { inventoryDiff, inventoryOf } from '../../support/inventory';
import { OnboardingStack } from '../../support/onboarding-stack';
import { getWorkflowBundle, uniqueId, uniqueTaskQueue } from '../../support/temporal';
import { TEST_ADDRESS_VAR } from '../../support/temporal-bundles';
import { EXAMPLE_TENANT_IDENTITIES, autoAssignment } from '../../e2e/support/onboarding-run';
import { attemptRecorder, timeBreakdown, type AttemptTiming, type TimeBreakdown } from './attempt-timing';

/*
 * One chaos case: a whole onboarding of the example tenant, started the way the CLI starts it,
 * under seeded faults of every kind on both sandboxes, with one disruption: its worker process
 * SIGKILLed while a chosen request is in flight (a fresh worker taking over), one of two workers
 * on the queue killed, the Temporal server SIGKILLed and restarted on its database, duplicate
 * starts, or a cancel; then a fault-free re-run. Every verdict is read from the sandboxes' state,
 * their request logs and the raw workflow history, never from the run's own account.
 */

const WORKER_ENTRY = resolve(__dirname, '../../e2e/support/worker-process.ts');
const ID = '[^/]+';

/**
 * Where a disruption strikes: a request held (latency) at a sandbox, so the activity that made it
 * is in flight, or the pause for the Okta assignment.
 */
export interface HoldPoint {
  /** The activity in flight, or the phase, that the point stands for. */
  activity: string;
  service: 'okta' | 'anypoint';
  method: string;
  path: string;
}

/** One point per kind of write the onboarding makes, walked through seed by seed. */
export const KILL_POINTS: HoldPoint[] = [
  { activity: 'ensureAuthorizationServer', service: 'okta', method: 'POST', path: '^/api/v1/authorizationServers$' },
  { activity: 'ensureScope', service: 'okta', method: 'POST', path: `^/api/v1/authorizationServers/${ID}/scopes$` },
  { activity: 'ensureGroup', service: 'okta', method: 'POST', path: '^/api/v1/groups$' },
  { activity: 'ensureIntrospectionClient', service: 'okta', method: 'POST', path: '^/api/v1/apps$' },
  { activity: 'ensureClientProvider', service: 'anypoint', method: 'POST', path: `^/accounts/api/organizations/${ID}/clientProviders$` },
  { activity: 'ensureApiInstance', service: 'anypoint', method: 'POST', path: `^/apimanager/api/v1/organizations/${ID}/environments/${ID}/apis$` },
  { activity: 'ensureApiPolicy', service: 'anypoint', method: 'POST', path: `/apis/${ID}/policies$` },
  { activity: 'ensureClientApplication', service: 'okta', method: 'POST', path: '^/oauth2/v1/clients$' },
];

/** The phases around the writes: the first request of the preflight, of the plan, of the proof. */
export const PHASE_POINTS: HoldPoint[] = [
  { activity: 'preflight', service: 'okta', method: 'GET', path: '^/api/v1/users/' },
  { activity: 'planning', service: 'okta', method: 'GET', path: '^/api/v1/authorizationServers$' },
  { activity: 'proving', service: 'okta', method: 'POST', path: `^/oauth2/${ID}/v1/token$` },
];

/** Where a cancel is sent: every phase, every kind of write, and the pause for the assignment. */
export const CANCEL_POINTS: (HoldPoint | 'awaiting-assignment')[] = [PHASE_POINTS[0], PHASE_POINTS[1], ...KILL_POINTS, 'awaiting-assignment', PHASE_POINTS[2]];

export type Disruption =
  /** The only worker, in a process of its own, SIGKILLed at the point; a fresh one takes over. */
  | { kind: 'kill-worker'; at: HoldPoint }
  /** Two workers poll the queue from the start; the one in a process of its own is SIGKILLed at the point. */
  | { kind: 'two-workers'; at: HoldPoint }
  /** The Temporal server (its own, on SQLite) SIGKILLed at the point and restarted on its database file. */
  | { kind: 'restart-server'; at: HoldPoint }
  /** `starts` CLI starts at once, and one more while the run is at the point. */
  | { kind: 'duplicate-starts'; starts: number; at: HoldPoint }
  /** The CLI's cancel at the point: the run must end cancelled with nothing left behind. */
  | { kind: 'cancel'; at: HoldPoint | 'awaiting-assignment' };

export interface ChaosCaseOptions {
  seed: string;
  /** Share of requests hit by a fault, spread evenly over the kinds. @default 0.2 */
  faultRate?: number;
  /** @default none: the run is left alone */
  disruption?: Disruption;
}

export interface ChaosCaseResult {
  seed: string;
  /** The disruption and where, e.g. `kill-worker inside ensureGroup`. */
  disruption?: string;
  phase: string;
  /** What the run had to end as: completed, or cancelled when a cancel was sent. */
  expectedPhase: 'completed' | 'cancelled';
  error?: string;
  durationMs: number;
  /** Requests both sandboxes answered during the run, and how many of them a fault hit. */
  requests: number;
  faultsFired: number;
  /** Identities found more than once (inventoryOf refuses to build), or missing, or not the example tenant's. */
  duplicates: string[];
  missing: string[];
  orphans: string[];
  changedPreexisting: string[];
  rerunWrites: string[];
  secretsFound: string[];
  /** The disruption happened (a run may end before its point is reached: then nothing is disrupted). */
  disrupted: boolean;
  /** Runs the duplicate starts made (must be 1), and whether every start was told of the same run. */
  runsStarted?: number;
  /** Requests hit by each kind of fault. */
  faultsByKind: Record<string, number>;
  /**
   * Time the faults themselves imposed, which no client can save: the waits the 429s announced
   * (their reset, measured from when each was answered) and the latency spikes, overlapping ones
   * counted once, within the run.
   */
  imposedMs: number;
  /** Where the time went (the in-process workers' attempts only: not a killed worker's). */
  time: TimeBreakdown;
  attempts?: AttemptTiming[];
  /** Both sandboxes' request logs of the run, for a case's timeline. */
  requestLog?: (RequestLogEntry & { service: 'okta' | 'anypoint' })[];
}

/** `kill-worker inside ensureGroup`, `cancel at awaiting-assignment`. */
export function describeDisruption(d: Disruption | undefined): string | undefined {
  if (!d) return undefined;
  const where = d.at === 'awaiting-assignment' ? 'awaiting-assignment' : d.at.activity;
  return `${d.kind} ${d.kind === 'cancel' ? 'at' : 'inside'} ${where}`;
}

const LATENCY_SPIKE_MS = 250;
const RATE_LIMIT_RESET_SECONDS = 1;

function faultRules(rate: number): FaultSpec[] {
  const each = 1 - Math.pow(1 - rate, 1 / 5);
  const notDcr = '^(?!/oauth2/v1/clients$)';
  return [
    { kind: 'latency', probability: each, latencyMs: LATENCY_SPIKE_MS },
    { kind: 'error', path: notDcr, probability: each, status: 503 },
    { kind: 'rateLimit', path: notDcr, probability: each, retryAfterSeconds: RATE_LIMIT_RESET_SECONDS },
    { kind: 'drop', path: notDcr, probability: each },
    { kind: 'lostResponse', path: notDcr, probability: each, mode: 'status' },
  ];
}

/** How long a held request waits at its sandbox: time for the disruption while its activity is in flight. */
const HOLD_MS = 3_000;

export async function runChaosCase(env: TestWorkflowEnvironment, opts: ChaosCaseOptions): Promise<ChaosCaseResult> {
  const d = opts.disruption;
  const stack = await OnboardingStack.start(env);
  const key = randomBytes(32).toString('base64');
  const dataConverter = createDataConverter({ ONBOARDING_CODEC_KEY: key });
  const temporal = await temporalFor(env, d, dataConverter);
  const { client } = temporal;
  const taskQueue = uniqueTaskQueue('chaos');
  const attempts: AttemptTiming[] = [];
  const workers = new InProcessWorkers(() =>
    Worker.create({ connection: temporal.native, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), activities, dataConverter, interceptors: { activity: [attemptRecorder(attempts)] } }),
  );
  let spawned: WorkerProcess | undefined;
  let disrupted = false;
  try {
    const before = inventoryOf(await stack.state());
    const expectedPhase = d?.kind === 'cancel' ? 'cancelled' : 'completed';
    const waitsForAssignment = d?.kind === 'cancel' && d.at === 'awaiting-assignment';
    const example = stack.tenant(waitsForAssignment ? (c) => c : autoAssignment);
    // A tenant id of its own: each case encrypts with a codec key of its own, and a tenant record under
    // the example's id would be unreadable to the next case and to the demo on the same server.
    const cfg = { ...example, tenant: { ...example.tenant, id: uniqueId('chaos') } };
    for (const admin of [stack.okta, stack.anypoint]) {
      await admin.seedFaults(opts.seed);
      for (const rule of faultRules(opts.faultRate ?? 0.2)) await admin.addFault(rule);
    }
    // The hold comes first in the request hook (latency), so it holds the request even when another rule fires too.
    const point = d && d.at !== 'awaiting-assignment' ? d.at : undefined;
    const hold = point ? await stack[point.service].addFault({ kind: 'latency', method: point.method, path: point.path, latencyMs: HOLD_MS, times: 1 }) : undefined;

    if (d?.kind === 'kill-worker' || d?.kind === 'two-workers') spawned = await spawnWorker(temporal.address, taskQueue, key);
    if (d?.kind !== 'kill-worker') await workers.ensureRunning();

    const started = Date.now();
    const starts = await Promise.all(Array.from({ length: d?.kind === 'duplicate-starts' ? d.starts : 1 }, () => startOnboarding(client, taskQueue, cfg)));
    const handle = client.workflow.getHandle<typeof onboardTenant>(starts[0].workflowId, starts[0].runId);

    if (d) {
      const reached =
        d.at === 'awaiting-assignment'
          ? async () => ((await handle.query(progressQuery).catch(() => undefined))?.phase === 'awaiting-assignment' ? true : undefined)
          : async () => ((await stack[point!.service].faults()).some((r) => r.id === hold!.id) ? undefined : true);
      // The run may end first (a plan that found nothing to do there): then nothing is disrupted.
      const ended = handle.result().then(() => true, () => true);
      await Promise.race([until(describeDisruption(d)!, reached, 120_000), ended]);
      if (await reached()) {
        disrupted = true;
        if (d.kind === 'kill-worker' || d.kind === 'two-workers') await spawned!.kill();
        if (d.kind === 'kill-worker') await workers.ensureRunning();
        if (d.kind === 'restart-server') await temporal.restart!();
        if (d.kind === 'duplicate-starts') starts.push(await startOnboarding(client, taskQueue, cfg));
        if (d.kind === 'cancel') await cancel(client, cfg.tenant.id, `chaos: cancel ${describeDisruption(d)}`, 'chaos');
      }
    }

    // Asked by describe, not by a long poll: a client call fails while the server restarts, and is asked again.
    await until('the run to end', async () => {
      await workers.ensureRunning();
      const status = (await handle.describe().catch(() => undefined))?.status.name;
      return status && status !== 'RUNNING' ? true : undefined;
    }, 600_000);
    const durationMs = Date.now() - started;
    const progress = await until('the run\'s progress', () => handle.query(progressQuery).catch(() => undefined));
    const requestLog = [...(await stack.okta.requests()).entries.map((e) => ({ ...e, service: 'okta' as const })), ...(await stack.anypoint.requests()).entries.map((e) => ({ ...e, service: 'anypoint' as const }))];
    const runRequests: RequestLogEntry[] = requestLog;
    const faultsFired = runRequests.filter((e) => e.fault).length;
    const faultsByKind: Record<string, number> = {};
    for (const e of runRequests) if (e.fault) faultsByKind[e.fault] = (faultsByKind[e.fault] ?? 0) + 1;
    // Overlapping waits count once: the time during which at least one of them was running.
    const imposedMs = unionMs(
      runRequests.flatMap((e): [number, number][] => {
        // `at` is when the entry was logged, as the request was answered; the reset was set as it came in.
        const answeredAt = Date.parse(e.at);
        if (e.fault === 'rateLimit') return [[answeredAt, (Math.ceil((answeredAt - e.durationMs) / 1000) + RATE_LIMIT_RESET_SECONDS) * 1000]];
        if (e.fault === 'latency') return [[answeredAt - LATENCY_SPIKE_MS, answeredAt]];
        return [];
      }),
      started,
      started + durationMs,
    );

    // Exactly one of each resource (none after a cancel), no orphan, the pre-existing ones byte-identical.
    let duplicates: string[] = [];
    let missing: string[] = [];
    let orphans: string[] = [];
    let changedPreexisting: string[] = [];
    try {
      const diff = inventoryDiff(before, inventoryOf(await stack.state()));
      const expected = expectedPhase === 'completed' ? EXAMPLE_TENANT_IDENTITIES : [];
      missing = expected.filter((id) => !diff.added.includes(id));
      orphans = diff.added.filter((id) => !expected.includes(id));
      changedPreexisting = [...diff.changed, ...diff.removed];
    } catch (err) {
      duplicates = [(err as Error).message];
    }

    // A re-run without faults writes nothing (after a cancel there is nothing to re-run against).
    for (const admin of [stack.okta, stack.anypoint]) await admin.clearFaults();
    let rerunWrites: string[] = [];
    if (expectedPhase === 'completed') {
      const [oktaSeq, anypointSeq] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
      await workers.ensureRunning();
      const rerun = await startOnboarding(client, taskQueue, cfg);
      await client.workflow.getHandle(rerun.workflowId, rerun.runId).result().catch(() => undefined);
      rerunWrites = [...(await stack.okta.requests(oktaSeq)).entries, ...(await stack.anypoint.requests(anypointSeq)).entries].filter(isConfigurationWrite).map((e) => `${e.method} ${e.url}`);
    }

    // No secret in raw history (every run of the id) or in the killed worker's output.
    const raw: string[] = [spawned?.output() ?? ''];
    for await (const run of client.workflow.list({ query: `WorkflowId = '${starts[0].workflowId}'` })) {
      raw.push(JSON.stringify(await client.workflow.getHandle(starts[0].workflowId, run.runId).fetchHistory()));
    }
    const secretValues = Object.entries(sandboxSecretEnv(stack.sandboxes)).filter(([name]) => /TOKEN|SECRET/.test(name)).map(([, value]) => value);
    const secretsFound = raw.flatMap((text) => [...SECRET_PATTERNS.filter((p) => p.test(text)).map(String), ...secretValues.filter((v) => text.includes(v)).map(() => 'a secret value')]);

    return {
      seed: opts.seed,
      disruption: describeDisruption(d),
      phase: progress.phase,
      expectedPhase,
      error: progress.error,
      durationMs,
      requests: runRequests.length,
      faultsFired,
      duplicates,
      missing,
      orphans,
      changedPreexisting,
      rerunWrites,
      secretsFound,
      disrupted,
      runsStarted: d?.kind === 'duplicate-starts' ? new Set(starts.map((s) => s.runId)).size : undefined,
      faultsByKind,
      imposedMs,
      time: timeBreakdown(attempts),
      attempts,
      requestLog,
    };
  } finally {
    await workers.shutdown();
    await spawned?.kill();
    await temporal.close();
    await stack.close();
  }
}

/** The Temporal the run uses: the test server, or one of the case's own that can be killed and restarted. */
interface RunTemporal {
  client: Client;
  native: NativeConnection;
  address: string;
  /** SIGKILLs the server and starts it again on the same database file and port. */
  restart?: () => Promise<void>;
  close(): Promise<void>;
}

async function temporalFor(env: TestWorkflowEnvironment, d: Disruption | undefined, dataConverter: ReturnType<typeof createDataConverter>): Promise<RunTemporal> {
  if (d?.kind !== 'restart-server') {
    return { client: new Client({ connection: env.connection, dataConverter }), native: env.nativeConnection, address: process.env[TEST_ADDRESS_VAR]!, close: async () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'chaos-server-'));
  const options: DevServerOptions = { cliPath: ensureTemporalCli(), port: await freePort(), uiPort: false, dbFile: join(dir, 'temporal.db'), detached: false };
  let server: RunningDevServer = await startDevServer(options);
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  return {
    client: new Client({ connection, dataConverter }),
    native,
    address: server.address,
    async restart() {
      process.kill(server.pid, 'SIGKILL');
      // The killed server's port may linger for a moment: start again until it binds.
      server = await until('the Temporal server to start again', () => startDevServer(options).catch(() => undefined), 30_000);
    },
    async close() {
      await native.close();
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The in-process worker, started again whenever it is not running (a worker whose server died may fail). */
class InProcessWorkers {
  private worker?: Worker;
  private running?: Promise<void>;
  constructor(private readonly create: () => Promise<Worker>) {}

  async ensureRunning(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') return;
    if (this.worker && !['FAILED', 'STOPPED'].includes(this.worker.getState())) return;
    this.worker = await this.create();
    this.running = this.worker.run().catch(() => undefined);
  }

  async shutdown(): Promise<void> {
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
  }
}

interface WorkerProcess {
  output(): string;
  /** SIGKILLs it (once) and waits for it to exit. */
  kill(): Promise<void>;
}

/** A worker in a process of its own (test/e2e/support/worker-process.ts), polling once this resolves. */
async function spawnWorker(address: string, taskQueue: string, key: string): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    cwd: resolve(__dirname, '../../..'),
    env: { ...process.env, WORKER_TEMPORAL_ADDRESS: address, WORKER_TASK_QUEUE: taskQueue, WORKER_WORKFLOW_BUNDLE: (getWorkflowBundle('onboarding') as { codePath: string }).codePath, ONBOARDING_CODEC_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await until('the worker process to poll', async () => (output.includes('worker ready') ? true : child.exitCode !== null ? Promise.reject(new Error(`worker process exited: ${output}`)) : undefined));
  return {
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The length of the union of the intervals, clipped to [from, to]. */
function unionMs(intervals: [number, number][], from: number, to: number): number {
  let total = 0;
  let end = from;
  for (const [a, b] of intervals.map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]).sort((x, y) => x[0] - y[0])) {
    if (b <= Math.max(a, end)) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The goals' figures over a set of cases: how many ended as they had to, and the invariants, over
 * all of them; the time against the fault-free run over the cases left alone (a killed worker
 * adds the heartbeat timeout, 10 s, by design; a restarted server its start-up).
 */
export function chaosFigures(results: ChaosCaseResult[], faultFreeMs: number) {
  const asExpected = results.filter((r) => r.phase === r.expectedPhase).length;
  const undisturbed = results.filter((r) => !r.disruption);
  const disturbed = results.filter((r) => r.disruption);
  const slowest = undisturbed.length ? Math.max(...undisturbed.map((r) => r.durationMs)) : NaN;
  const count = (pick: (r: ChaosCaseResult) => unknown[]) => results.reduce((n, r) => n + pick(r).length, 0);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const faults = results.reduce((n, r) => n + r.faultsFired, 0);
  const seconds = (ms: number) => +(ms / 1000).toFixed(1);
  return {
    runs: results.length,
    seeds: [...new Set(results.map((r) => r.seed))].length,
    endedAsExpectedPercent: Math.round((100 * asExpected) / results.length),
    undisturbedCompletedPercent: undisturbed.length ? Math.round((100 * undisturbed.filter((r) => r.phase === 'completed').length) / undisturbed.length) : NaN,
    faultFreeSeconds: seconds(faultFreeMs),
    slowestUndisturbedSeconds: seconds(slowest),
    slowestUndisturbedTimesFaultFree: +(slowest / faultFreeMs).toFixed(1),
    // The same, less the time the faults imposed (429 resets waited out, latency spikes): what the
    // project's own retrying costs on top.
    slowestUndisturbedBeyondImposedTimesFaultFree: undisturbed.length ? +(Math.max(...undisturbed.map((r) => r.durationMs - r.imposedMs)) / faultFreeMs).toFixed(1) : NaN,
    imposedSecondsOfSlowest: undisturbed.length ? seconds(undisturbed.reduce((a, b) => (b.durationMs > a.durationMs ? b : a)).imposedMs) : NaN,
    slowestDisturbedSeconds: seconds(Math.max(0, ...disturbed.map((r) => r.durationMs))),
    requests,
    faultsFired: faults,
    faultedPercent: requests ? Math.round((100 * faults) / requests) : 0,
    disrupted: disturbed.filter((r) => r.disrupted).map((r) => r.disruption),
    notDisrupted: disturbed.filter((r) => !r.disrupted).map((r) => `${r.disruption} (the run never got there)`),
    runsOfDuplicateStarts: disturbed.filter((r) => r.runsStarted !== undefined).map((r) => r.runsStarted),
    duplicates: count((r) => r.duplicates),
    missing: count((r) => r.missing),
    orphans: count((r) => r.orphans),
    changedPreexisting: count((r) => r.changedPreexisting),
    rerunWrites: count((r) => r.rerunWrites),
    secretsFound: count((r) => r.secretsFound),
  };
}
