import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { CA_KEY_FILE, OKTA_RATE_LIMIT_HEADERS, prepareSandboxTls, requestBaseUrl, RunningSandbox, SandboxServiceDefinition, startSandbox } from '../../../src/sandbox/core';

/** A service with one route that echoes the base URL the caller is sent back to. */
const echoService: SandboxServiceDefinition<Record<string, never>> = {
  name: 'echo',
  seed: () => ({}),
  rateLimitHeaders: OKTA_RATE_LIMIT_HEADERS,
  serverError: (status) => ({ status, body: {} }),
  rateLimited: () => ({ status: 429, body: {} }),
  routes(app, ctx) {
    app.get('/where', async (req) => ({ base: requestBaseUrl(req, ctx) }));
  },
};

describe('Sandbox TLS', () => {
  let dir: string;
  let sandbox: RunningSandbox<Record<string, never>>;
  let caPem: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-tls-'));
    const tls = await prepareSandboxTls({ dir, extraHostnames: ['anypoint.mulesoft.localhost'] });
    caPem = readFileSync(tls.caFile, 'utf8');
    sandbox = await startSandbox(echoService, { tls });
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS that a client verifies with the CA file, and refuses a client that does not trust it', async () => {
    expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusting = new Agent({ connect: { ca: caPem } });
    const res = await request(`${sandbox.url}/where`, { dispatcher: trusting });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ base: sandbox.url });
    await expect(request(`${sandbox.url}/where`)).rejects.toThrow(/certificate|self[- ]signed/i);
    const wrongName = new Agent({ connect: { ca: caPem, servername: 'anypoint.mulesoft.com' } });
    await expect(request(`${sandbox.url}/where`, { dispatcher: wrongName })).rejects.toThrow(/altnames|does not match|Hostname/i);
  });

  it('makes a server certificate for localhost, 127.0.0.1, ::1 and the extra names, signed by a CA kept in the folder', async () => {
    const first = await prepareSandboxTls({ dir, extraHostnames: ['anypoint.mulesoft.localhost'] });
    const server = new X509Certificate(first.cert);
    const ca = new X509Certificate(caPem);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:anypoint.mulesoft.localhost');
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(ca.ca).toBe(true);
    // A restart reuses the CA (clients keep trusting it) and makes a new server certificate.
    expect(readFileSync(first.caFile, 'utf8')).toBe(caPem);
    expect(first.cert).not.toBe((await prepareSandboxTls({ dir })).cert);
    expect(statSync(join(dir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('sends links back through a proxy: X-Forwarded-Host/Proto, then Host; odd values are not echoed', async () => {
    const trusting = new Agent({ connect: { ca: caPem } });
    const where = async (headers: Record<string, string>) => ((await (await request(`${sandbox.url}/where`, { dispatcher: trusting, headers })).body.json()) as { base: string }).base;
    expect(await where({ host: 'anypoint.mulesoft.localhost:8443' })).toBe('https://anypoint.mulesoft.localhost:8443');
    expect(await where({ 'x-forwarded-host': 'front.example, inner.example', 'x-forwarded-proto': 'http' })).toBe('http://front.example');
    expect(await where({ 'x-forwarded-proto': 'HTTPS', host: '[::1]:9443' })).toBe('https://[::1]:9443');
    expect(await where({ 'x-forwarded-host': 'evil.example/path' })).toBe(sandbox.url);
    expect(await where({ 'x-forwarded-proto': 'gopher' })).toBe(sandbox.url);
  });
});
