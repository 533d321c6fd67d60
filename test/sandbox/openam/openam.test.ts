import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startOpenAmSandbox, type OpenAmSandbox } from '../../../src/sandbox/openam';

async function post(url: string, body: unknown, authorization?: string) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

const serviceClient = { client_name: 'cc', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

describe('OpenAM emulator (oidc-provider as an OpenAM realm)', () => {
  let openam: OpenAmSandbox;
  beforeAll(async () => {
    openam = await startOpenAmSandbox();
  });
  afterAll(() => openam.close());

  it('serves OpenAM paths under the realm and advertises them in discovery', async () => {
    expect(openam.issuer).toBe(`${openam.url}/openam/oauth2/realms/root/realms/solar`);
    const meta = (await (await request(openam.urls.discovery)).body.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: openam.issuer,
      registration_endpoint: `${openam.issuer}/connect/register`,
      authorization_endpoint: `${openam.issuer}/authorize`,
      token_endpoint: `${openam.issuer}/access_token`,
      introspection_endpoint: `${openam.issuer}/introspect`,
      jwks_uri: `${openam.issuer}/connect/jwk_uri`,
    });
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'authorization_code']));
  });

  it('registers only with the initial access token, and returns an RFC 7592 handle', async () => {
    expect((await post(openam.urls.register, serviceClient)).status).toBe(401);
    expect((await post(openam.urls.register, serviceClient, 'Bearer wrong')).status).toBe(401);
    const created = await post(openam.urls.register, serviceClient, openam.registrationAuthorization);
    expect(created.status).toBe(201);
    expect(created.body.registration_client_uri).toBe(`${openam.urls.register}/${created.body.client_id}`);
    const read = await request(String(created.body.registration_client_uri), { headers: { authorization: `Bearer ${created.body.registration_access_token}` } });
    expect(read.statusCode).toBe(200);
    // The initial access token is for registering, not for managing a client.
    const withInitial = await request(String(created.body.registration_client_uri), { headers: { authorization: openam.registrationAuthorization } });
    expect(withInitial.statusCode).toBe(401);
  });

  it('refuses non-standard metadata such as Okta\'s application_type "service"', async () => {
    const res = await post(openam.urls.register, { ...serviceClient, application_type: 'service', response_types: ['token'] }, openam.registrationAuthorization);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
  });

  it('lets the introspection client introspect any token, and other clients only their own', async () => {
    const a = (await post(openam.urls.register, serviceClient, openam.registrationAuthorization)).body;
    const b = (await post(openam.urls.register, serviceClient, openam.registrationAuthorization)).body;
    const basic = (id: unknown, secret: unknown) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const form = (authorization: string, url: string, body: Record<string, string>) =>
      request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> }));
    const token = await form(basic(a.client_id, a.client_secret), openam.urls.token, { grant_type: 'client_credentials', scope: 'silver' });
    expect(token).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'silver' } });
    const byAdmin = await form(basic(openam.introspectionClient.clientId, openam.introspectionClient.clientSecret), openam.urls.introspect, { token: String(token.body.access_token) });
    expect(byAdmin.body).toMatchObject({ active: true, client_id: a.client_id, scope: 'silver', iss: openam.issuer });
    const byOther = await form(basic(b.client_id, b.client_secret), openam.urls.introspect, { token: String(token.body.access_token) });
    expect(byOther.body).toEqual({ active: false });
  });
});

describe('OpenAM emulator persistence', () => {
  it('keeps its token, clients and introspection client across a restart with a state dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openam-'));
    try {
      const first = await startOpenAmSandbox({ stateDir: dir });
      const created = await post(first.urls.register, serviceClient, first.registrationAuthorization);
      await first.close();
      const second = await startOpenAmSandbox({ stateDir: dir });
      try {
        expect(second.initialAccessToken).toBe(first.initialAccessToken);
        expect(second.introspectionClient).toEqual(first.introspectionClient);
        const read = await request(String(created.body.registration_client_uri).replace(first.url, second.url), { headers: { authorization: `Bearer ${created.body.registration_access_token}` } });
        expect(read.statusCode).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
