/*
 * Consumer access requests on the sandboxes, on a real Temporal dev server (in memory), one worker:
 *   npx tsx bench/access-requests.ts [--requests 5]
 * - request → working client (auto tier): from the consumer's contract to the request's proof
 *   (assigned in Okta, a token, the gateway), watching every 1 s; the detection wait is part of it.
 *   Baseline, in the same run and on the same sandboxes: a plain script that, knowing the new
 *   client already, assigns it and proves it the same way (no watcher, no Temporal).
 * - idle watching: API calls the watcher makes for a tenant with no new requests, counted on the
 *   sandboxes' request logs over a window and scaled to an hour at the default interval (1 min).
 * Figures only; nothing asserts a timing.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { request } from 'undici';
import * as activities from '../src/activities';
import { AnypointClient } from '../src/clients/anypoint';
import { OktaClient } from '../src/clients/okta';
import { loadTenantFile, type TenantConfig } from '../src/config/tenant';
import { startAllSandboxes } from '../src/sandbox';
import { SandboxAdminClient } from '../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../src/sandbox/tenant';
import { ensureTemporalBinaries } from '../src/temporal/binaries';
import { EncryptionCodec, keyIdOf } from '../src/temporal/codec';
import { dataConverterWith } from '../src/temporal/data-converter';
import { startDevServer } from '../src/temporal/dev-server';
import { bundleOnboardingWorkflows } from '../src/worker';
import { accessRequestQuery } from '../src/workflows/access';
import { accessRequestIdFor, onboardingWorkflowIdFor } from '../src/workflows/ids';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg('requests', 5);
const IDLE_WINDOW_MS = 10_000;
const WATCH_EVERY_MS = 1_000;
const DEFAULT_WATCH_EVERY_MS = 60_000;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ cliPath: ensureTemporalBinaries().cli, port: 0, uiPort: false, dbFile: false, logLevel: 'error' });
  const key = randomBytes(32);
  const dataConverter = dataConverterWith(new EncryptionCodec({ id: `bench-${keyIdOf(key)}`, key }));
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection, dataConverter });
  const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
  Object.assign(process.env, sandboxSecretEnv(sandboxes));
  const taskQueue = `bench-access-${process.pid}`;
  const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle: await bundleOnboardingWorkflows(), activities, dataConverter });
  const okta = new OktaClient({ orgUrl: sandboxes.okta.url, apiToken: sandboxes.okta.apiToken });
  const { clientId, clientSecret } = sandboxes.anypoint.connectedApp;
  const anypoint = new AnypointClient({ baseUrl: sandboxes.anypoint.url, clientId, clientSecret });
  const org = sandboxes.anypoint.orgId;
  const envId = sandboxes.anypoint.environments.Sandbox;
  const cfg: TenantConfig = {
    ...pointTenantAtSandboxes(loadTenantFile(resolve(__dirname, '../examples/solar-system.tenant.yaml')), sandboxes),
    assignment: { mode: 'auto' },
    access: {
      watchEvery: `${WATCH_EVERY_MS}ms`,
      reminderEvery: '1h',
      deadline: '72h',
      deletedApplications: 'auto',
      tiers: { '*': { groups: ['silverSubscribers'], approval: 'auto', scopes: ['silver'], allowed: [{ method: 'GET', path: '/planets', expect: 200 }], denied: [{ method: 'GET', path: '/moons', expect: 403 }] } },
    },
  };
  try {
    await worker.runUntil(async () => {
      const onboarding = await client.workflow.start('onboardTenant', { taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
      await onboarding.result();
      const apiId = String((await anypoint.findApiInstance(org, envId, { groupId: org, assetId: cfg.anypoint.api.asset.assetId, instanceLabel: cfg.anypoint.api.instanceLabel }))!.id);

      // Idle: nothing new, the watcher only looks.
      const admin = new SandboxAdminClient(sandboxes.anypoint.url);
      const oktaAdmin = new SandboxAdminClient(sandboxes.okta.url);
      const before = (await admin.requests()).total + (await oktaAdmin.requests()).total;
      await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
      const idleCalls = (await admin.requests()).total + (await oktaAdmin.requests()).total - before;
      const perScan = idleCalls / (IDLE_WINDOW_MS / WATCH_EVERY_MS);

      const project: number[] = [];
      const handling: number[] = [];
      const plain: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        // The project: the consumer asks, the watcher notices, the request assigns and proves.
        const started = performance.now();
        const app = await anypoint.createClientApplication(org, apiId, { name: `Bench consumer ${i}`, grantTypes: ['client_credentials'], redirectUri: [] });
        const contract = await anypoint.createContract(org, envId, apiId, { applicationId: Number(app.id), acceptedTerms: true });
        const progress = await until(async () => {
          const p = await client.workflow.getHandle(accessRequestIdFor(cfg.tenant.id, { contractId: String(contract.id), clientId: String(app.clientId) })).query(accessRequestQuery).catch(() => undefined);
          return p && ['approved', 'refused', 'failed'].includes(p.state) ? p : undefined;
        });
        project.push(performance.now() - started);
        handling.push(Date.parse(progress.finishedAt!) - Date.parse(progress.startedAt));
        if (progress.state !== 'approved' || progress.proof?.unproven.length) throw new Error(`request ${i} ended ${progress.state}: ${progress.reason ?? progress.proof?.unproven.join('; ')}`);

        // The plain script, for a second consumer: create, then assign and prove with no look-ups around it.
        const plainStarted = performance.now();
        const other = await anypoint.createClientApplication(org, apiId, { name: `Plain consumer ${i}`, grantTypes: ['client_credentials'], redirectUri: [] });
        await anypoint.createContract(org, envId, apiId, { applicationId: Number(other.id), acceptedTerms: true });
        await plainAssignAndProve(okta, anypoint, cfg, org, String(other.id), String(other.clientId));
        plain.push(performance.now() - plainStarted);
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      console.log(`Access-request benchmark: example tenant, auto tier, watching every ${WATCH_EVERY_MS} ms, ${REQUESTS} request(s), one worker, loopback`);
      console.log(`request → working client   median ${(med(project) / 1000).toFixed(2)} s (min ${(Math.min(...project) / 1000).toFixed(2)}, max ${(Math.max(...project) / 1000).toFixed(2)}), detection wait included`);
      console.log(`  of which the request's own workflow (detected → proven)   median ${(med(handling) / 1000).toFixed(2)} s`);
      console.log(`plain script (create, assign, prove; no watcher)   median ${(med(plain) / 1000).toFixed(3)} s   ratio of the request's workflow to it ${(med(handling) / med(plain)).toFixed(1)}×`);
      console.log(`idle watching              ${idleCalls} API calls in ${IDLE_WINDOW_MS / 1000} s = ${perScan.toFixed(2)} per scan → ${Math.round((perScan * 3_600_000) / DEFAULT_WATCH_EVERY_MS)} per tenant-hour at the default 1 min (plus 2 calls per 200 scans to locate the API instance again)`);
    });
  } finally {
    await okta.close();
    await anypoint.close();
    await sandboxes.close();
    await clientConnection.close();
    await workerConnection.close();
    await server.stop();
  }
}

/** What an admin's script does once it knows the new client: assign, then token and gateway. */
async function plainAssignAndProve(okta: OktaClient, anypoint: AnypointClient, cfg: TenantConfig, org: string, appId: string, clientId: string): Promise<void> {
  const group = await okta.findGroupByName('silverSubscribers');
  await okta.assignGroupToApp(clientId, group!.id!);
  const secret = (await anypoint.getClientApplication(org, appId, { withCredentials: true }))!.clientSecret!;
  const server = await okta.findAuthorizationServerByName('solar-system');
  const token = await okta.requestClientCredentialsToken({ tokenUrl: (await okta.getMetadata(server!.id!)).token_endpoint, clientId, clientSecret: secret, scopes: ['silver'] });
  for (const path of ['/planets', '/moons']) {
    const res = await request(`${cfg.verification.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    await res.body.dump();
  }
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

main().catch((err: Error) => {
  console.error(`benchmark failed: ${err.message}`);
  process.exit(1);
});

