/*
 * A full onboarding of the example tenant (auto assignment, proof included) on the sandboxes, on a
 * real Temporal dev server (in memory) with one worker in this process and the encrypting codec,
 * side by side with the plain script (bench/plain-onboarding.ts: the same creates in order, no
 * engine, no look-ups), with 0 and 50 ms of latency injected on every sandbox request.
 *   npx tsx bench/onboarding.ts [--runs 3] [--tenants 10] [--developer-tenants 50] [--memory-tenants 100]
 * Each run gets fresh sandboxes; the workflow and the script alternate so that load on the shared
 * machine falls on both. Prints a table of figure, value, baseline and ratio (medians), and writes
 * the timeline of one onboarding at 50 ms (steps and requests) to bench/results/onboarding-timeline.svg.
 * Figures only: nothing here asserts a timing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../src/activities';
import { loadTenantFile, oktaTenant, type OktaTenantConfig } from '../src/config/tenant';
import { startAllSandboxes } from '../src/sandbox';
import { SandboxAdminClient, isConfigurationWrite, type RequestLogEntry } from '../src/sandbox/core';
import { developerProfile } from '../src/sandbox/okta/rate-limits';
import { numberedTenant, pointTenantAtSandboxes, sandboxSecretEnv, sharingTenant } from '../src/sandbox/tenant';
import { ensureTemporalBinaries } from '../src/temporal/binaries';
import { EncryptionCodec, keyIdOf } from '../src/temporal/codec';
import { dataConverterWith } from '../src/temporal/data-converter';
import { startDevServer } from '../src/temporal/dev-server';
import { bundleOnboardingWorkflows } from '../src/worker';
import type { onboardTenant } from '../src/workflows';
import type { StepProgress } from '../src/workflows/messages';
import { plainOnboarding } from './plain-onboarding';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const EXAMPLE_TENANT = resolve(__dirname, '../examples/solar-system.tenant.yaml');
const TIMELINE = resolve(__dirname, 'results/onboarding-timeline.svg');
/** Okta's free-org bucket that bounds onboardings per minute: `/api/v1/apps*`, 20 calls a minute. */
const APPS_BUCKET = '/api/v1/apps*';

interface Calls {
  total: number;
  reads: number;
  writes: number;
  appsBucket: number;
  entries: (RequestLogEntry & { system: string })[];
}

interface Measured {
  ms: number;
  calls: Calls;
  steps?: StepProgress[];
  startedAt: number;
  rerun?: Calls;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ cliPath: ensureTemporalBinaries().cli, port: 0, uiPort: false, dbFile: false, logLevel: 'error' });
  const key = randomBytes(32);
  const dataConverter = dataConverterWith(new EncryptionCodec({ id: `bench-${keyIdOf(key)}`, key }));
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection, dataConverter });
  const workflowBundle = await bundleOnboardingWorkflows();
  const rows: [string, string, string, string][] = [];
  let timelineRun: Measured | undefined;
  try {
    console.log(`Onboarding benchmark: example tenant, auto assignment, ${RUNS} paired run(s) per latency, fresh sandboxes per run, one worker, loopback`);
    for (const latencyMs of [0, 50]) {
      const workflow: Measured[] = [];
      const plain: Measured[] = [];
      for (let run = 0; run < RUNS; run++) {
        workflow.push(await withSandboxes(latencyMs, (cfg, admin) => onboardWithWorkflow(cfg, admin, client, connection, workflowBundle, dataConverter, `${latencyMs}-${run}`)));
        plain.push(await withSandboxes(latencyMs, (cfg, admin) => onboardWithScript(cfg, admin)));
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const w = (f: (m: Measured) => number) => med(workflow.map(f));
      const p = (f: (m: Measured) => number) => med(plain.map(f));
      const busy = w((m) => requestBusyMs(m));
      const at = `${latencyMs} ms latency`;
      rows.push([`wall time, one onboarding (${at})`, secs(w((m) => m.ms)), secs(p((m) => m.ms)), ratio(w((m) => m.ms), p((m) => m.ms))]);
      rows.push([`  of which a request was in flight (${at})`, secs(busy), '', ratio(w((m) => m.ms), busy)]);
      const critical = w((m) => criticalPathMs(m));
      rows.push([`  critical path: longest chain of requests one after another (${at}); goal ≤ 1.15×`, secs(critical), '', ratio(w((m) => m.ms), critical)]);
      if (latencyMs === 0) {
        rows.push(['API calls, first onboarding', String(w((m) => m.calls.total)), String(p((m) => m.calls.total)), ratio(w((m) => m.calls.total), p((m) => m.calls.total))]);
        rows.push(['  reads', String(w((m) => m.calls.reads)), String(p((m) => m.calls.reads)), ratio(w((m) => m.calls.reads), p((m) => m.calls.reads))]);
        rows.push(['  writes (configuration)', String(w((m) => m.calls.writes)), String(p((m) => m.calls.writes)), ratio(w((m) => m.calls.writes), p((m) => m.calls.writes))]);
        rows.push([`  in Okta's ${APPS_BUCKET} bucket (20/min free org)`, String(w((m) => m.calls.appsBucket)), String(p((m) => m.calls.appsBucket)), ratio(w((m) => m.calls.appsBucket), p((m) => m.calls.appsBucket))]);
        rows.push(['developer-profile bound, onboardings per minute (20 / apps-bucket calls)', (20 / w((m) => m.calls.appsBucket)).toFixed(2), (20 / p((m) => m.calls.appsBucket)).toFixed(2), ratio(p((m) => m.calls.appsBucket), w((m) => m.calls.appsBucket))]);
        rows.push(['re-run of the converged tenant: calls / configuration writes', `${w((m) => m.rerun!.total)} / ${w((m) => m.rerun!.writes)}`, '', '']);
        printBuckets(workflow[0].calls, plain[0].calls);
      } else {
        timelineRun = workflow[workflow.length - 1];
      }
    }
    rows.push(['worker process RSS after one tenant (this process: worker, sandboxes, client)', mb(process.memoryUsage().rss), '', '']);
    await manyTenants(rows, client, connection, workflowBundle, dataConverter, server.pid);
  } finally {
    await clientConnection.close();
    await connection.close();
    await server.stop();
  }
  printTable(rows);
  if (timelineRun) {
    mkdirSync(join(TIMELINE, '..'), { recursive: true });
    writeFileSync(TIMELINE, timeline(timelineRun));
    console.log(`\ntimeline of one onboarding at 50 ms: ${TIMELINE}`);
  }
}

type Admin = { okta: SandboxAdminClient; anypoint: SandboxAdminClient };

async function withSandboxes<T>(latencyMs: number, run: (cfg: OktaTenantConfig, admin: Admin) => Promise<T>): Promise<T> {
  const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
  try {
    Object.assign(process.env, sandboxSecretEnv(sandboxes));
    const admin = { okta: new SandboxAdminClient(sandboxes.okta.url), anypoint: new SandboxAdminClient(sandboxes.anypoint.url) };
    if (latencyMs > 0) for (const a of [admin.okta, admin.anypoint]) await a.addFault({ kind: 'latency', probability: 1, latencyMs });
    const cfg = oktaTenant(pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes));
    return await run({ ...cfg, assignment: { mode: 'auto' } } as OktaTenantConfig, admin);
  } finally {
    await sandboxes.close();
  }
}

async function onboardWithWorkflow(
  cfg: OktaTenantConfig,
  admin: Admin,
  client: Client,
  connection: NativeConnection,
  workflowBundle: Awaited<ReturnType<typeof bundleOnboardingWorkflows>>,
  dataConverter: ReturnType<typeof dataConverterWith>,
  label: string,
): Promise<Measured> {
  const taskQueue = `bench-onboarding-${process.pid}-${label}`;
  const once = async (pass: string) => {
    const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities, dataConverter });
    const startedAt = Date.now();
    const started = performance.now();
    const { progress } = await worker.runUntil(
      client.workflow.execute<typeof onboardTenant>('onboardTenant', { taskQueue, workflowId: `bench-${pass}-${label}-${Date.now()}`, args: [{ tenant: cfg }] }),
    );
    const ms = performance.now() - started;
    if (progress.phase !== 'completed' || !progress.proof?.passed) throw new Error(`run ${label} did not complete and prove: ${progress.phase} ${progress.error ?? ''}`);
    // Up to the proof's end: the consumer watcher the completed run starts calls Anypoint on its own afterwards.
    const until = Date.parse(progress.steps.find((s) => s.key === 'proof')?.finishedAt ?? new Date().toISOString()) + 1;
    return { ms, calls: await callsOf(admin, until), steps: progress.steps, startedAt };
  };
  const first = await once('first');
  await admin.okta.clearRequests();
  await admin.anypoint.clearRequests();
  const rerun = await once('rerun');
  return { ...first, rerun: rerun.calls };
}

async function onboardWithScript(cfg: OktaTenantConfig, admin: Admin): Promise<Measured> {
  const startedAt = Date.now();
  const started = performance.now();
  const proof = await plainOnboarding(cfg);
  const ms = performance.now() - started;
  if (!proof.passed) throw new Error('the plain script did not prove the integration');
  return { ms, calls: await callsOf(admin, Date.now() + 1), startedAt };
}

/** The requests each sandbox answered up to `untilMs` (the gateway's introspections included, for both alike). */
async function callsOf(admin: Admin, untilMs: number): Promise<Calls> {
  const entries: Calls['entries'] = [];
  for (const [system, a] of [['okta', admin.okta], ['anypoint', admin.anypoint]] as const) {
    for (const e of (await a.requests()).entries) if (Date.parse(e.at) <= untilMs) entries.push({ ...e, system });
  }
  const writes = entries.filter((e) => isConfigurationWrite(e)).length;
  const reads = entries.filter((e) => e.method === 'GET').length;
  const appsBucket = entries.filter((e) => e.system === 'okta' && developerProfile(e.method, e.url.split('?')[0])?.key === APPS_BUCKET).length;
  return { total: entries.length, reads, writes, appsBucket, entries };
}

/**
 * Tenants at once on one org: N at the `unlimited` profile side by side with the plain script (distinct
 * names per tenant, src/sandbox/tenant.ts numberedTenant: a client provider each, so at most 25), and
 * DEVELOPER_N under the free org's limits (`developer`, windows scaled to WINDOW_MS: simulated time)
 * against the bound those limits allow: the example first, then the others at once sharing its
 * authorization server, introspection client and client provider (sharingTenant), as the 50-tenant test.
 */
async function manyTenants(rows: [string, string, string, string][], client: Client, connection: NativeConnection, workflowBundle: Awaited<ReturnType<typeof bundleOnboardingWorkflows>>, dataConverter: ReturnType<typeof dataConverterWith>, serverPid: number): Promise<void> {
  const N = arg('tenants', 10);
  const DEVELOPER_N = arg('developer-tenants', 50);
  const MEMORY_N = arg('memory-tenants', 100);
  const WINDOW_MS = 6_000;
  const runMany = async (profile: 'unlimited' | 'developer', label: string, N: number, sharing = false) => {
    const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 }, rateLimitProfile: profile, rateLimitWindowMs: profile === 'developer' ? WINDOW_MS : undefined });
    // Peak resident memory while the tenants run, of this process (worker, sandboxes, client) and the server.
    const peak = { worker: 0, server: 0 };
    const sample = () => {
      peak.worker = Math.max(peak.worker, process.memoryUsage().rss);
      peak.server = Math.max(peak.server, rssOf(serverPid) || 0);
    };
    const sampler = setInterval(sample, 250);
    try {
      Object.assign(process.env, sandboxSecretEnv(sandboxes));
      const base = { ...oktaTenant(pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes)), assignment: { mode: 'auto' } } as OktaTenantConfig;
      const tenants = sharing ? Array.from({ length: N - 1 }, (_, i) => sharingTenant(base, i + 1)) : Array.from({ length: N }, (_, i) => numberedTenant(base, i + 1));
      const taskQueue = `bench-many-${process.pid}-${label}`;
      const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities, dataConverter, maxConcurrentActivityTaskExecutions: 200 });
      const onboard = (cfg: OktaTenantConfig, i: number) =>
        client.workflow.execute<typeof onboardTenant>('onboardTenant', { taskQueue, workflowId: `bench-many-${label}-${i}-${Date.now()}`, args: [{ tenant: cfg }] }).then((r) => r.progress.phase, () => 'failed');
      const started = performance.now();
      const outcomes = await worker.runUntil(async () => {
        // Sharing tenants adopt what the first creates: it onboards alone first.
        const first = sharing ? [await onboard(base, N)] : [];
        return [...first, ...(await Promise.all(tenants.map(onboard)))];
      });
      const ms = performance.now() - started;
      const rss = process.memoryUsage().rss;
      const okta = (await new SandboxAdminClient(sandboxes.okta.url).requests()).entries;
      const anypoint = (await new SandboxAdminClient(sandboxes.anypoint.url).requests()).entries;
      const all = [...okta, ...anypoint];
      const appsBucket = okta.filter((e) => developerProfile(e.method, e.url.split('?')[0])?.key === APPS_BUCKET).length;
      sample();
      return { ms, completed: outcomes.filter((p) => p === 'completed').length, refused: all.filter((e) => e.status === 429).length, total: all.length, appsBucket, rss, peak };
    } finally {
      clearInterval(sampler);
      await sandboxes.close();
    }
  };
  const plainMany = async () => {
    const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    try {
      Object.assign(process.env, sandboxSecretEnv(sandboxes));
      const base = { ...oktaTenant(pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes)), assignment: { mode: 'auto' } } as OktaTenantConfig;
      const started = performance.now();
      await Promise.all(Array.from({ length: N }, (_, i) => plainOnboarding(numberedTenant(base, i + 1))));
      return performance.now() - started;
    } finally {
      await sandboxes.close();
    }
  };
  rows.push(['Temporal dev server RSS, one tenant', mb(rssOf(serverPid)), '', '']);
  const free = await runMany('unlimited', 'unlimited', N);
  const plainMs = await plainMany();
  rows.push([`${N} tenants at once on one org, wall time (0 ms latency; completed ${free.completed}/${N})`, secs(free.ms), secs(plainMs), ratio(free.ms, plainMs)]);
  rows.push([`  worker process RSS with ${N} tenants`, mb(free.rss), '', '']);
  rows.push([`  Temporal dev server RSS`, mb(rssOf(serverPid)), '', '']);
  const dev = await runMany('developer', 'developer', DEVELOPER_N, true);
  // The bound: the apps bucket's calls at 20 per window. The run starts inside a window, so the
  // least time is one window fewer than the windows the calls fill (the first and last are partial).
  const windowsNeeded = Math.ceil(dev.appsBucket / 20);
  const boundMs = (windowsNeeded - 1) * WINDOW_MS;
  rows.push([`${DEVELOPER_N} tenants sharing one client provider, developer profile (windows of ${WINDOW_MS / 1000} s: ${60_000 / WINDOW_MS}× time): completed / answered 429`, `${dev.completed}/${DEVELOPER_N}, ${dev.refused} of ${dev.total} (${((100 * dev.refused) / dev.total).toFixed(1)}%)`, '', '']);
  rows.push([`  wall time against the least the limits allow (${dev.appsBucket} apps-bucket calls, ${windowsNeeded} windows); goal ≥ 0.9×`, secs(dev.ms), secs(boundMs), ratio(boundMs, dev.ms)]);
  const perTenant = dev.appsBucket / DEVELOPER_N;
  const minutes500 = (500 * perTenant) / 20;
  const efficiency = boundMs / dev.ms;
  rows.push([`500 tenants at the free org's limits, real time (${perTenant.toFixed(1)} apps-bucket calls each; at the efficiency above)`, `${Math.round(minutes500 / Math.min(1, efficiency))} min`, `${Math.round(minutes500)} min (bound)`, '']);
  if (MEMORY_N > 0) {
    // Memory at many tenants: started at once (sharing one client provider: Anypoint allows 25), the org's
    // admission lets 4 build at a time and the others wait in their workflows.
    const many = await runMany('unlimited', 'memory', MEMORY_N, true);
    rows.push([`${MEMORY_N} tenants started at once, unlimited profile, sharing one client provider: completed, wall time`, `${many.completed}/${MEMORY_N}, ${secs(many.ms)}`, '', '']);
    rows.push([`  peak RSS: worker process (worker, sandboxes, client) / Temporal dev server`, `${mb(many.peak.worker)} / ${mb(many.peak.server)}`, '', '']);
  }
}

/**
 * The longest chain of requests that ran one after another (each starting after the previous one
 * ended), summed: what the run's own order of requests needed at the least, without the engine's
 * time between them. The run's wall time over it is the engine's overhead on that path.
 */
function criticalPathMs(m: Measured): number {
  const spans = m.calls.entries.map((e) => ({ from: Date.parse(e.at) - e.durationMs, to: Date.parse(e.at) })).sort((a, b) => a.to - b.to);
  const best: number[] = [];
  spans.forEach((s, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (spans[j].to <= s.from) before = Math.max(before, best[j]);
    best.push(before + (s.to - s.from));
  });
  return Math.max(0, ...best);
}

/** How long at least one request was in flight: the rest of the wall time is engine and worker time. */
function requestBusyMs(m: Measured): number {
  const spans = m.calls.entries.map((e) => [Date.parse(e.at) - e.durationMs, Date.parse(e.at)] as const).sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let end = -Infinity;
  for (const [s, e] of spans) {
    if (e <= end) continue;
    busy += e - Math.max(s, end);
    end = e;
  }
  return busy;
}

function printBuckets(workflow: Calls, plain: Calls): void {
  const bucketOf = (e: Calls['entries'][number]) => (e.system === 'okta' ? `okta ${developerProfile(e.method, e.url.split('?')[0])?.key ?? '(not limited)'}` : 'anypoint');
  const count = (c: Calls) => c.entries.reduce((m, e) => m.set(bucketOf(e), (m.get(bucketOf(e)) ?? 0) + 1), new Map<string, number>());
  const w = count(workflow);
  const p = count(plain);
  console.log('\ncalls per bucket, first onboarding (workflow / plain script):');
  for (const bucket of [...new Set([...w.keys(), ...p.keys()])].sort()) console.log(`  ${bucket.padEnd(44)} ${String(w.get(bucket) ?? 0).padStart(3)} / ${p.get(bucket) ?? 0}`);
}

function printTable(rows: [string, string, string, string][]): void {
  const header: [string, string, string, string] = ['figure', 'value', 'baseline (plain script)', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

/** A Gantt chart: one bar per step (Temporal's view) above one bar per request (the sandboxes' view), on one time axis. */
function timeline(m: Measured): string {
  const t0 = m.startedAt;
  const steps = (m.steps ?? []).filter((s) => s.startedAt && s.finishedAt).map((s) => ({ label: s.key, from: Date.parse(s.startedAt!) - t0, to: Date.parse(s.finishedAt!) - t0 }));
  const requests = m.calls.entries
    .map((e) => ({ label: `${e.system === 'okta' ? 'O' : 'A'} ${e.method} ${e.route}`, from: Date.parse(e.at) - e.durationMs - t0, to: Date.parse(e.at) - t0, system: e.system }))
    .sort((a, b) => a.from - b.from);
  const end = Math.max(m.ms, ...steps.map((s) => s.to), ...requests.map((r) => r.to));
  const row = 14;
  const left = 330;
  const width = 1300;
  const scale = (width - left - 20) / end;
  const bars: string[] = [];
  let y = 40;
  const bar = (label: string, from: number, to: number, color: string) => {
    const x = left + Math.max(0, from) * scale;
    bars.push(`<text x="4" y="${y + 10}" font-size="10" font-family="monospace">${escape(label.slice(0, 52))}</text>`);
    bars.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1, (to - from) * scale).toFixed(1)}" height="${row - 3}" fill="${color}"><title>${escape(label)}: ${Math.round(from)}–${Math.round(to)} ms</title></rect>`);
    y += row;
  };
  bars.push(`<text x="4" y="${y - 8}" font-size="12" font-family="sans-serif" font-weight="bold">Steps (Temporal activities), start to end</text>`);
  for (const s of steps) bar(s.label, s.from, s.to, '#4a7bd0');
  y += 20;
  bars.push(`<text x="4" y="${y - 8}" font-size="12" font-family="sans-serif" font-weight="bold">Requests (O = Okta, A = Anypoint), as the sandboxes answered them</text>`);
  for (const r of requests) bar(r.label, r.from, r.to, r.system === 'okta' ? '#e0803a' : '#3aa06a');
  const ticks: string[] = [];
  for (let t = 0; t <= end; t += 500) ticks.push(`<line x1="${left + t * scale}" y1="24" x2="${left + t * scale}" y2="${y}" stroke="#ddd"/><text x="${left + t * scale + 2}" y="20" font-size="10" font-family="sans-serif">${(t / 1000).toFixed(1)} s</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}${bars.join('')}</svg>\n`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => (Number.isFinite(bytes) ? `${Math.round(bytes / 2 ** 20)} MB` : 'n/a');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '');

main().catch((err: Error) => {
  console.error(`benchmark failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
