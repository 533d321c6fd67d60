import { AnypointTestClient, clientProviderBody, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

describe('Anypoint client providers (OpenID Connect dynamic client registration)', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let base: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    base = `/accounts/api/organizations/${anypoint.org}/clientProviders`;
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  it('creates a provider on a strict RFC 7591 provider (which answers GET on its registration URL with 404), and never shows the secrets again', async () => {
    expect((await fetch(idp.urls.register)).status).toBe(404);
    const created = await anypoint.post(base, clientProviderBody(idp, 'Checked provider'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider_id: expect.any(String), name: 'Checked provider', type: { name: 'openid-dynamic-client' } });
    const read = await anypoint.get(`${base}/${created.body.provider_id}`);
    expect(read.status).toBe(200);
    const oidc = read.body.oidc_dynamic_client_provider;
    expect(oidc).toMatchObject({ issuer: idp.issuer, urls: { introspect: idp.urls.introspect }, client: { urls: { register: idp.urls.register } }, primary_client: { id: idp.introspectionClient.id } });
    expect(oidc.primary_client.secret).toBeUndefined();
    expect(oidc.client.registration.authorization).toBe('Bearer ********');
    expect(JSON.stringify(read.body)).not.toContain(idp.registrationToken);
    expect(JSON.stringify(read.body)).not.toContain(idp.introspectionClient.secret);
  });

  it('keeps the limit of 25 external providers under concurrent creates (each checks its provider before it is stored)', async () => {
    const own = await startAnypoint();
    try {
      const path = `/accounts/api/organizations/${own.org}/clientProviders`;
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => own.post(path, clientProviderBody(idp, `Concurrent ${i}`))));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(25);
      expect(answers.filter((a) => a.status === 400).map((a) => a.body.message)).toEqual(Array(5).fill('An organization can have at most 25 external client providers'));
      expect((await own.get(path)).body.data).toHaveLength(25);
    } finally {
      await own.sandbox.close();
    }
  });

  it('refuses a registration URL that is not an http(s) URL, with the platform message', async () => {
    for (const register of ['not a url', 'ftp://idp.example.com/connect/register']) {
      const res = await anypoint.post(base, clientProviderBody(idp, 'Bad URL', { register }));
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Invalid OIDC provider client registration URL provided');
    }
  });

  it('does not call the registration URL: a provider is accepted without registering anything', async () => {
    const before = (await idp.sandbox.admin.requests()).counts;
    const res = await anypoint.post(base, clientProviderBody(idp, 'No probe'));
    expect(res.status).toBe(201);
    const after = (await idp.sandbox.admin.requests()).counts;
    const registerRoute = new URL(idp.urls.register).pathname;
    expect(after[`GET ${registerRoute}`] ?? 0).toBe(before[`GET ${registerRoute}`] ?? 0);
    expect(after[`POST ${registerRoute}`] ?? 0).toBe(before[`POST ${registerRoute}`] ?? 0);
    expect(after[`GET ${new URL(idp.urls.discovery).pathname}`]).toBeGreaterThan(before[`GET ${new URL(idp.urls.discovery).pathname}`] ?? 0);
  });

  it('refuses an issuer nobody answers at', async () => {
    const body = clientProviderBody(idp, 'Unreachable issuer');
    body.oidc_dynamic_client_provider.issuer = 'http://127.0.0.1:9/openam/oauth2/realms/root/realms/solar';
    const res = await anypoint.post(base, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Invalid OIDC provider issuer provided');
  });

  it('accepts a blank registration header: like the platform, it only fails when an application is registered', async () => {
    const res = await anypoint.post(base, clientProviderBody(idp, 'Blank header', { authorization: '' }));
    expect(res.status).toBe(201);
    expect(res.body.oidc_dynamic_client_provider.client.registration.authorization).toBe('');
  });

  it('validates the body and names the missing field', async () => {
    const body = clientProviderBody(idp, 'Incomplete');
    delete (body.oidc_dynamic_client_provider as Partial<typeof body.oidc_dynamic_client_provider>).primary_client;
    const res = await anypoint.post(base, body);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('primary_client');
  });

  it('lists providers with provider_id and total', async () => {
    const res = await anypoint.get(base);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(res.body.data.length);
    expect(res.body.data[0]).toEqual({ provider_id: expect.any(String), org_id: anypoint.org, name: expect.any(String), type: { name: 'openid-dynamic-client', description: expect.any(String) } });
  });

  it('patches only the parts sent and checks a new issuer', async () => {
    const id = await anypoint.createClientProvider(idp, 'To patch');
    const patched = await anypoint.patch(`${base}/${id}`, { name: 'Patched', oidc_dynamic_client_provider: { allow_client_import: true } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Patched', oidc_dynamic_client_provider: { allow_client_import: true, issuer: idp.issuer } });
    const bad = await anypoint.patch(`${base}/${id}`, { oidc_dynamic_client_provider: { issuer: 'http://127.0.0.1:9/oauth2/default' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Invalid OIDC provider issuer provided');
  });

  it('deletes a provider; its API instances fall back to Anypoint as provider', async () => {
    const id = await anypoint.createClientProvider(idp, 'To delete');
    const instance = await anypoint.createInstance({ providerId: id, instanceLabel: 'falls-back' });
    expect((await anypoint.delete(`${base}/${id}`)).status).toBe(204);
    expect((await anypoint.get(`${base}/${id}`)).status).toBe(404);
    expect((await anypoint.get(`${anypoint.apis()}/${instance.id}`)).body.providerId).toBeNull();
  });
});
