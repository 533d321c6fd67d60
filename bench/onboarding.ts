/*
 * How long a full onboarding of the example tenant takes on the sandboxes, end to end: preflight,
 * plan, every Okta and Anypoint step, the group assignment (auto mode) and the proof, on a real
 * Temporal dev server (in memory) with one worker, the real activities and the encrypting codec.
 *   npx tsx bench/onboarding.ts [--runs 3]
 * Scenarios, each on fresh sandboxes per run:
 *   - clean:      no faults.
 *   - 429 storm:  each service refuses up to 5 requests with 429 (probability 0.3, reset 1 s
 *                 ahead), the storm of test/e2e/faults.test.ts; steps wait for the announced reset.
 * Prints min/median/max wall time per scenario, with the requests each service answered.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../src/activities';
import { loadTenantFile } from '../src/config/tenant';
import { startAllSandboxes, type AllSandboxes } from '../src/sandbox';
import { SandboxAdminClient, type FaultSpec } from '../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../src/sandbox/tenant';
import { ensureTemporalBinaries } from '../src/temporal/binaries';
import { EncryptionCodec, keyIdOf } from '../src/temporal/codec';
import { dataConverterWith } from '../src/temporal/data-converter';
import { startDevServer } from '../src/temporal/dev-server';
import { bundleOnboardingWorkflows } from '../src/worker';
import type { onboardTenant } from '../src/workflows';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const EXAMPLE_TENANT = resolve(__dirname, '../examples/solar-system.tenant.yaml');

interface Scenario {
  name: string;
  faults: { okta: FaultSpec[]; anypoint: FaultSpec[] };
}

const storm = { kind: 'rateLimit', probability: 0.3, times: 5, retryAfterSeconds: 1 } as const;
const SCENARIOS: Scenario[] = [
  { name: 'clean', faults: { okta: [], anypoint: [] } },
  // As in the test: the calls made by the gateway (introspection) and by Anypoint (DCR) are spared.
  { name: '429 storm', faults: { okta: [{ ...storm, path: '^(?!/oauth2/v1/clients$|.*/v1/introspect$)' }], anypoint: [storm] } },
];

interface RunResult {
  ms: number;
  requests: { okta: number; anypoint: number };
  rateLimited: number;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ cliPath: ensureTemporalBinaries().cli, port: 0, uiPort: false, dbFile: false, logLevel: 'error' });
  const key = randomBytes(32);
  const dataConverter = dataConverterWith(new EncryptionCodec({ id: `bench-${keyIdOf(key)}`, key }));
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection, dataConverter });
  const workflowBundle = await bundleOnboardingWorkflows();
  try {
    console.log(`Onboarding benchmark: example tenant, auto assignment, ${RUNS} run(s) per scenario, fresh sandboxes per run, one worker, loopback`);
    for (const scenario of SCENARIOS) {
      const results: RunResult[] = [];
      for (let run = 0; run < RUNS; run++) {
        const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
        try {
          results.push(await onboardOnce(sandboxes, scenario, client, workerConnection, workflowBundle, dataConverter, `${scenario.name}-${run}`));
        } finally {
          await sandboxes.close();
        }
      }
      report(scenario.name, results);
    }
  } finally {
    await clientConnection.close();
    await workerConnection.close();
    await server.stop();
  }
}

async function onboardOnce(
  sandboxes: AllSandboxes,
  scenario: Scenario,
  client: Client,
  connection: NativeConnection,
  workflowBundle: Awaited<ReturnType<typeof bundleOnboardingWorkflows>>,
  dataConverter: ReturnType<typeof dataConverterWith>,
  label: string,
): Promise<RunResult> {
  Object.assign(process.env, sandboxSecretEnv(sandboxes));
  const admin = { okta: new SandboxAdminClient(sandboxes.okta.url), anypoint: new SandboxAdminClient(sandboxes.anypoint.url) };
  for (const spec of scenario.faults.okta) await admin.okta.addFault(spec);
  for (const spec of scenario.faults.anypoint) await admin.anypoint.addFault(spec);
  const cfg = pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes);
  const taskQueue = `bench-onboarding-${process.pid}-${label}`;
  const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities, dataConverter });

  const started = performance.now();
  const { progress } = await worker.runUntil(async () => {
    const handle = await client.workflow.start<typeof onboardTenant>('onboardTenant', {
      taskQueue,
      workflowId: `bench-onboarding-${process.pid}-${label}-${Date.now()}`,
      args: [{ tenant: { ...cfg, assignment: { mode: 'auto' } } }],
    });
    return handle.result();
  });
  const ms = performance.now() - started;
  if (progress.phase !== 'completed' || !progress.proof?.passed) throw new Error(`run ${label} did not complete and prove: ${progress.phase} ${progress.error ?? ''}`);

  const [okta, anypoint] = [await admin.okta.requests(), await admin.anypoint.requests()];
  const rateLimited = [...okta.entries, ...anypoint.entries].filter((e) => e.fault === 'rateLimit').length;
  return { ms, requests: { okta: okta.total, anypoint: anypoint.total }, rateLimited };
}

function report(name: string, results: RunResult[]): void {
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const avg = (f: (r: RunResult) => number) => Math.round(results.reduce((n, r) => n + f(r), 0) / results.length);
  console.log(
    `${name.padEnd(10)} min ${s(times[0])}  median ${s(times[Math.floor(times.length / 2)])}  max ${s(times[times.length - 1])}` +
      `   requests/run: Okta ${avg((r) => r.requests.okta)}, Anypoint ${avg((r) => r.requests.anypoint)}; 429s/run ${avg((r) => r.rateLimited)}`,
  );
}

main().catch((err: Error) => {
  console.error(`benchmark failed: ${err.message}`);
  process.exit(1);
});
