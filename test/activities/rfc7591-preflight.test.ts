import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { checkProviderAccess } from '../../src/activities';
import { loadTenantFile, type Rfc7591TenantConfig } from '../../src/config/tenant';
import { startOpenAmSandbox, type OpenAmSandbox, type OpenAmState } from '../../src/sandbox/openam';
import { OPENAM_EXAMPLE_TENANT } from '../support/onboarding-stack';

/*
 * The RFC 7591 preflight against the OpenAM emulator (oidc-provider, strict): what it refuses, with the
 * cause and the fix, and that it leaves nothing at the provider whatever the outcome. A broken discovery
 * document comes from a test-local server, since the emulator always publishes a complete one.
 */
describe('RFC 7591 provider preflight against the OpenAM emulator', () => {
  let openam: OpenAmSandbox;
  let broken: Server;
  let brokenUrl: string;
  beforeAll(async () => {
    openam = await startOpenAmSandbox({ port: 0 });
    process.env.PREFLIGHT_OPENAM_TOKEN = openam.initialAccessToken;
    process.env.PREFLIGHT_OPENAM_SECRET = openam.introspectionClient.clientSecret;
    process.env.PREFLIGHT_WRONG = 'not-the-right-value-at-all';
    // The realm's own document without registration_endpoint: a provider with dynamic registration off.
    const doc = (await (await fetch(openam.urls.discovery)).json()) as Record<string, unknown>;
    delete doc.registration_endpoint;
    broken = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc)));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/.well-known/openid-configuration`;
  });
  afterAll(async () => {
    await openam?.close();
    await new Promise((resolve) => broken?.close(resolve));
  });

  const tenant = (change: Partial<Rfc7591TenantConfig['rfc7591']> = {}): Rfc7591TenantConfig => {
    const cfg = loadTenantFile(OPENAM_EXAMPLE_TENANT) as Rfc7591TenantConfig;
    return {
      ...cfg,
      rfc7591: {
        ...cfg.rfc7591,
        discoveryUrl: openam.urls.discovery,
        initialAccessToken: { env: 'PREFLIGHT_OPENAM_TOKEN' },
        introspectionClient: { clientId: openam.introspectionClient.clientId, clientSecret: { env: 'PREFLIGHT_OPENAM_SECRET' } },
        ...change,
      },
    };
  };
  const registeredClients = async () => Object.keys((await openam.admin.state<OpenAmState>()).models.Client ?? {});
  const refusal = (cfg: Rfc7591TenantConfig) => checkProviderAccess(cfg).then(() => new Error('preflight passed'), (e: unknown) => e);

  it('passes with the realm\'s token and introspection client, returns the discovery endpoints, registers nothing', async () => {
    const before = await registeredClients();
    await expect(checkProviderAccess(tenant())).resolves.toEqual({
      issuer: openam.issuer,
      authorize: openam.urls.authorize,
      token: openam.urls.token,
      introspect: openam.urls.introspect,
      register: openam.urls.register,
      userinfo: openam.urls.userinfo,
      keys: openam.urls.jwks,
    });
    // The issuer form reads the same document.
    await expect(checkProviderAccess(tenant({ discoveryUrl: undefined, issuer: openam.issuer }))).resolves.toMatchObject({ register: openam.urls.register });
    expect(await registeredClients()).toEqual(before);
  });

  it('refuses a discovery document without registration_endpoint, at once, with the fix', async () => {
    const err = await refusal(tenant({ discoveryUrl: brokenUrl }));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'config', nonRetryable: true });
    expect((err as Error).message).toMatch(/has no registration_endpoint: the provider does not offer RFC 7591 dynamic client registration.*Fix: enable it at the provider/);
  });

  it('a provider lenient enough to register the probe gets it deleted at once through its RFC 7592 handle', async () => {
    // Test-local: a registration endpoint that accepts anything (the emulator is strict and never does).
    const calls: string[] = [];
    const lenient = createServer((req, res) => {
      calls.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      if (req.method === 'POST') return res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: 'probe-1', registration_client_uri: `${base}/register/probe-1`, registration_access_token: 'rat-probe-1' }));
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => lenient.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(lenient.address() as AddressInfo).port}`;
    const doc = { ...((await (await fetch(openam.urls.discovery)).json()) as Record<string, unknown>), registration_endpoint: `${base}/register` };
    const discovery = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc)));
    await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', resolve));
    try {
      const cfg = tenant({ discoveryUrl: `http://127.0.0.1:${(discovery.address() as AddressInfo).port}/.well-known/openid-configuration` });
      await expect(checkProviderAccess(cfg)).resolves.toMatchObject({ register: `${base}/register` });
      expect(calls).toEqual([`POST /register Bearer ${openam.initialAccessToken}`, 'DELETE /register/probe-1 Bearer rat-probe-1']);
    } finally {
      await new Promise((resolve) => lenient.close(resolve));
      await new Promise((resolve) => discovery.close(resolve));
    }
  });

  it('refuses a registration header the provider does not accept, without the token in the message', async () => {
    const before = await registeredClients();
    const err = await refusal(tenant({ initialAccessToken: { env: 'PREFLIGHT_WRONG' } }));
    expect(err).toMatchObject({ type: 'provider.auth', nonRetryable: true });
    expect((err as Error).message).toMatch(/check the registration header failed \(HTTP 401 invalid_token\).*Fix: The provider refuses the registration header .*rfc7591\.initialAccessToken/);
    expect((err as Error).message).not.toContain('not-the-right-value-at-all');
    expect(await registeredClients()).toEqual(before);
  });

  it('refuses an introspection client that cannot introspect, without its secret in the message', async () => {
    const err = await refusal(tenant({ introspectionClient: { clientId: openam.introspectionClient.clientId, clientSecret: { env: 'PREFLIGHT_WRONG' } } }));
    expect(err).toMatchObject({ type: 'provider.auth', nonRetryable: true });
    expect((err as Error).message).toMatch(/introspect a token failed \(HTTP 401 invalid_client\).*Fix: The provider refuses the introspection client "anypoint-introspection"/);
    expect((err as Error).message).not.toContain('not-the-right-value-at-all');
  });
});
