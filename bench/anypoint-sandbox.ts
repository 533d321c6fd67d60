import { cpus } from 'node:os';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { startAnypointSandbox } from '../src/sandbox/anypoint';
import { startGateway } from '../src/sandbox/gateway';
import { startUpstream } from '../src/sandbox/upstream';

/*
 * Throughput of the Anypoint sandbox and its gateway, loopback only and bounded: each scenario sends a
 * fixed number of requests (stopping early after a time cap) from a fixed number of concurrent workers,
 * then prints requests/s and latency percentiles.
 *   npx tsx bench/anypoint-sandbox.ts [--requests 3000] [--concurrency 16] [--max-seconds 20]
 */

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg('requests', 3000);
const CONCURRENCY = arg('concurrency', 16);
const MAX_SECONDS = arg('max-seconds', 20);

const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });

async function measure(name: string, send: () => Promise<number>) {
  // Warm up (JIT, keep-alive connections) before counting.
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { for (let i = 0; i < 200 / CONCURRENCY; i++) await send(); }));
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + MAX_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS && performance.now() < deadline) {
        next++;
        const t = performance.now();
        const status = await send();
        latencies.push(performance.now() - t);
        if (status >= 400) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  console.log(`${name.padEnd(48)} ${String(Math.round(latencies.length / seconds)).padStart(6)} req/s   p50 ${pct(50)} ms   p99 ${pct(99)} ms   (${latencies.length} requests, ${failures} failed)`);
}

/** A stand-in RFC 7662 introspection endpoint: every token is active with the silver scope. */
async function startIntrospection() {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, b, done) => done(null, b));
  app.get('/register', async (_req, reply) => reply.code(405).send());
  app.post('/introspect', async () => ({ active: true, scope: 'silver', client_id: 'bench-client', exp: Math.floor(Date.now() / 1000) + 3600 }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => app.close() };
}

async function main() {
  const anypoint = await startAnypointSandbox();
  const upstream = await startUpstream();
  const gateway = await startGateway({ anypoint });
  const idp = await startIntrospection();
  const json = async (method: 'GET' | 'POST' | 'PATCH', path: string, token?: string, body?: unknown) => {
    const res = await request(`${anypoint.url}${path}`, {
      method,
      dispatcher,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  };
  try {
    const token = (await json('POST', '/accounts/api/v2/oauth2/token', undefined, { grant_type: 'client_credentials', client_id: anypoint.connectedApp.clientId, client_secret: anypoint.connectedApp.clientSecret })).body.access_token;
    const org = anypoint.orgId;
    const env = anypoint.environments.Sandbox;
    const apis = `/apimanager/api/v1/organizations/${org}/environments/${env}/apis`;
    const provider = await json('POST', `/accounts/api/organizations/${org}/clientProviders`, token, {
      name: 'bench',
      type: { name: 'openid-dynamic-client' },
      oidc_dynamic_client_provider: {
        issuer: idp.url,
        urls: { authorize: `${idp.url}/authorize`, token: `${idp.url}/token`, introspect: `${idp.url}/introspect` },
        client: { urls: { register: `${idp.url}/register` }, registration: { authorization: 'Bearer x' } },
        primary_client: { id: 'introspector', secret: 'secret' },
      },
    });
    const api = await json('POST', apis, token, { technology: 'mule4', providerId: provider.body.provider_id, instanceLabel: 'bench', spec: { groupId: org, assetId: 'solar-system', version: '1.0.0' }, endpoint: { deploymentType: 'CH', uri: `${upstream.url}/solar-system` } });
    await json('POST', `/proxies/xapi/v1/organizations/${org}/environments/${env}/apis/${api.body.id}/deployments`, token, { type: 'CH', applicationName: 'bench-proxy' });
    await json('POST', `${apis}/${api.body.id}/policies`, token, {
      groupId: '68ef9520-24e9-4cf2-b2f5-620025690913', assetId: 'openidconnect-access-token-enforcement', assetVersion: '1.3.0',
      configurationData: { scopes: 'silver', skipClientIdValidation: true }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/planets' }],
    });

    console.log(`Anypoint sandbox benchmark: ${REQUESTS} requests per scenario, ${CONCURRENCY} concurrent, loopback (${process.version}, ${cpus().length} cores)`);
    await measure('read  GET  /apimanager/…/apis/{id}', async () => (await json('GET', `${apis}/${api.body.id}`, token)).status);
    let n = 0;
    await measure('write PATCH /apimanager/…/apis/{id}', async () => (await json('PATCH', `${apis}/${api.body.id}`, token, { instanceLabel: `bench-${n++}` })).status);
    const gw = async (path: string, headers: Record<string, string>) => {
      const res = await request(`${gateway.url}${path}`, { dispatcher, headers });
      await res.body.dump();
      return res.statusCode;
    };
    await measure('gateway GET /bench-proxy/planets (cached token)', () => gw('/bench-proxy/planets', { authorization: 'Bearer cached-bench-token' }));
    await measure('upstream GET /solar-system/planets (direct)', async () => {
      const res = await request(`${upstream.url}/solar-system/planets`, { dispatcher });
      await res.body.dump();
      return res.statusCode;
    });
  } finally {
    await gateway.close();
    await Promise.all([anypoint.close(), upstream.close(), idp.close()]);
    await dispatcher.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
