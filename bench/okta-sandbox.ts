/*
 * Throughput of the Okta sandbox on loopback: `npx tsx bench/okta-sandbox.ts [seconds-per-phase]`.
 * Starts the sandbox in-process (unlimited rate-limit profile, in-memory state), then drives it with an
 * undici pool at a fixed concurrency, one phase per endpoint, each bounded by time and request count:
 *   - read:  GET /api/v1/groups/{id}
 *   - write: POST /api/v1/groups (unique names)
 *   - write: PUT /api/v1/apps/{appId}/groups/{groupId} (idempotent re-assignment)
 * Client and server share one event loop (one core), so the figures are a floor for the server alone.
 * The request log's exact counts are checked against the client's, so no request goes unanswered.
 */
import { Pool } from 'undici';
import { SandboxAdminClient } from '../src/sandbox/core';
import { startOktaSandbox } from '../src/sandbox/okta';

const SECONDS = Number(process.argv[2] ?? 3);
const MAX_REQUESTS = 50_000;
const CONCURRENCY = 32;

interface Phase {
  name: string;
  route: string;
  request: (i: number) => { method: 'GET' | 'POST' | 'PUT'; path: string; body?: string };
}

async function main(): Promise<void> {
  const sandbox = await startOktaSandbox();
  const pool = new Pool(sandbox.url, { connections: CONCURRENCY, pipelining: 1 });
  const headers = { authorization: `SSWS ${sandbox.apiToken}`, 'content-type': 'application/json', accept: 'application/json' };
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: string) => {
    const res = await pool.request({ method, path, headers, body });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const group = await call('POST', '/api/v1/groups', JSON.stringify({ profile: { name: 'bench-read' } }));
  const app = await call(
    'POST',
    '/api/v1/apps',
    JSON.stringify({ name: 'oidc_client', label: 'bench', signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } } }),
  );
  const admin = new SandboxAdminClient(sandbox.url);

  const phases: Phase[] = [
    { name: 'read   GET /api/v1/groups/{id}', route: 'GET /api/v1/groups/:groupId', request: () => ({ method: 'GET', path: `/api/v1/groups/${group.id}` }) },
    { name: 'write  POST /api/v1/groups', route: 'POST /api/v1/groups', request: (i) => ({ method: 'POST', path: '/api/v1/groups', body: JSON.stringify({ profile: { name: `bench-${i}`, description: 'bench' } }) }) },
    { name: 'write  PUT /api/v1/apps/{id}/groups/{id}', route: 'PUT /api/v1/apps/:appId/groups/:groupId', request: () => ({ method: 'PUT', path: `/api/v1/apps/${app.id}/groups/${group.id}`, body: '{}' }) },
  ];

  console.log(`Okta sandbox benchmark: ${CONCURRENCY} concurrent requests, ${SECONDS}s or ${MAX_REQUESTS} requests per phase, loopback, one process`);
  for (const phase of phases) {
    await admin.clearRequests();
    let issued = 0;
    let completed = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (Date.now() < deadline && issued < MAX_REQUESTS) {
        const { method, path, body } = phase.request(issued++);
        await call(method, path, body);
        completed++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const counted = (await admin.requests()).counts[phase.route];
    if (counted !== completed) throw new Error(`${phase.name}: the sandbox counted ${counted} requests, the client completed ${completed}`);
    console.log(`  ${phase.name.padEnd(44)} ${Math.round(completed / seconds).toString().padStart(7)} req/s  (${completed} requests in ${seconds.toFixed(2)}s)`);
  }
  await pool.close();
  await sandbox.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
