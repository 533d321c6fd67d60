import { request } from 'undici';
import { AnypointTestClient, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';

describe('Anypoint access management', () => {
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    anypoint = await startAnypoint({ connectedApp: { clientId: 'a'.repeat(32), clientSecret: 'b'.repeat(32) } });
  });
  afterAll(() => anypoint.sandbox.close());

  it('issues a bearer token to the connected app from a JSON body', async () => {
    const res = await anypoint.call('POST', '/accounts/api/v2/oauth2/token', { body: { grant_type: 'client_credentials', client_id: 'a'.repeat(32), client_secret: 'b'.repeat(32) }, auth: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expectResponseMatchesSpec(specs.authorization(), 'POST /api/v2/oauth2/token', 200, res.body);
  });

  it('issues a token from a form body too', async () => {
    const res = await request(`${anypoint.sandbox.url}/accounts/api/v2/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'a'.repeat(32), client_secret: 'b'.repeat(32) }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { access_token: string }).access_token).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bad connected-app credentials with 401', async () => {
    const res = await anypoint.call('POST', '/accounts/api/v2/oauth2/token', { body: { grant_type: 'client_credentials', client_id: 'a'.repeat(32), client_secret: 'wrong' }, auth: false });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('requires a bearer token on every other call', async () => {
    expect((await anypoint.call('GET', '/accounts/api/me', { auth: false })).status).toBe(401);
    expect((await anypoint.call('GET', '/accounts/api/me', { auth: 'not-a-token' })).status).toBe(401);
    const apim = await anypoint.call('GET', anypoint.apis(), { auth: false });
    expect(apim.status).toBe(401);
    expect(apim.body.name).toBe('Unauthorized');
  });

  it('says who the connected app is, with its organization and domain', async () => {
    const res = await anypoint.get('/accounts/api/me');
    expect(res.status).toBe(200);
    expect(res.body.client).toEqual({ client_id: 'a'.repeat(32), name: expect.any(String), org_id: anypoint.org });
    expect(res.body.user.organization).toMatchObject({ id: anypoint.org, name: expect.any(String), domain: anypoint.sandbox.orgDomain });
  });

  it('reads the organization', async () => {
    const res = await anypoint.get(`/accounts/api/organizations/${anypoint.org}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: anypoint.org, domain: anypoint.sandbox.orgDomain, isRoot: true });
    expectResponseMatchesSpec(specs.org(), 'getBG', 200, res.body);
  });

  it('lists the seeded Sandbox and Production environments and reads one', async () => {
    const list = await anypoint.get(`/accounts/api/organizations/${anypoint.org}/environments`);
    expect(list.status).toBe(200);
    expectResponseMatchesSpec(specs.env(), 'GET /organizations/{orgId}/environments', 200, list.body);
    expect(list.body.total).toBe(2);
    expect(Object.fromEntries(list.body.data.map((e: { name: string; id: string }) => [e.name, e.id]))).toEqual(anypoint.sandbox.environments);
    const one = await anypoint.get(`/accounts/api/organizations/${anypoint.org}/environments/${anypoint.sandbox.environments.Production}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'Production', isProduction: true, type: 'production' });
    expectResponseMatchesSpec(specs.env(), 'GET /organizations/{orgId}/environments/{environmentId}', 200, one.body);
  });

  it('creates, renames and deletes an environment', async () => {
    const created = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/environments`, { name: 'QA', type: 'sandbox', isProduction: false });
    expect(created.status).toBe(201);
    expectResponseMatchesSpec(specs.env(), 'POST /organizations/{orgId}/environments', 201, created.body);
    expect((await anypoint.post(`/accounts/api/organizations/${anypoint.org}/environments`, { name: 'QA' })).status).toBe(409);
    const renamed = await anypoint.put(`/accounts/api/organizations/${anypoint.org}/environments/${created.body.id}`, { name: 'QA2' });
    expect(renamed.status).toBe(201);
    expect(renamed.body.name).toBe('QA2');
    expectResponseMatchesSpec(specs.env(), 'PUT /organizations/{orgId}/environments/{environmentId}', 201, renamed.body);
    expect((await anypoint.delete(`/accounts/api/organizations/${anypoint.org}/environments/${created.body.id}`)).status).toBe(204);
  });

  it('refuses another organization with 403', async () => {
    const res = await anypoint.get('/accounts/api/organizations/00000000-0000-0000-0000-000000000000/environments');
    expect(res.status).toBe(403);
  });
});

describe('Anypoint access tokens', () => {
  it('expire: an expired token gets 401 and a new token works', async () => {
    const anypoint = await startAnypoint({ tokenTtlSeconds: 60 });
    try {
      expect((await anypoint.get('/accounts/api/me')).status).toBe(200);
      const admin = await request(`${anypoint.sandbox.url}/__sandbox/tokens/expire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(admin.statusCode).toBe(204);
      expect((await anypoint.get('/accounts/api/me')).status).toBe(401);
      await anypoint.login();
      const me = await anypoint.get('/accounts/api/me');
      expect(me.status).toBe(200);
    } finally {
      await anypoint.sandbox.close();
    }
  });

  it('last the configured lifetime', async () => {
    const anypoint = await startAnypoint({ tokenTtlSeconds: 1 });
    try {
      const res = await anypoint.call('POST', '/accounts/api/v2/oauth2/token', {
        body: { grant_type: 'client_credentials', client_id: anypoint.sandbox.connectedApp.clientId, client_secret: anypoint.sandbox.connectedApp.clientSecret },
        auth: false,
      });
      expect(res.body.expires_in).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await anypoint.call('GET', '/accounts/api/me', { auth: res.body.access_token })).status).toBe(401);
    } finally {
      await anypoint.sandbox.close();
    }
  });
});

describe('Anypoint users/me (what anypoint-cli logs in with)', () => {
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    anypoint = await startAnypoint();
  });
  afterAll(() => anypoint.sandbox.close());

  it('answers the connected app as a top-level user with createdAt, the root organization and preferences', async () => {
    const res = await anypoint.get('/accounts/api/users/me');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: anypoint.sandbox.connectedApp.clientId,
      username: 'connected-app:okta-anypoint-provisioning',
      organizationId: anypoint.org,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      organization: { id: anypoint.org, isRoot: true },
      organizationPreferences: {},
    });
    expect(res.body.user).toBeUndefined();
    expect(res.body.memberOfOrganizations).toEqual([expect.objectContaining({ id: anypoint.org, name: 'Solar System Inc.', isRoot: true, isMaster: true, parentId: null })]);
  });

  it('refuses a missing token with the accounts 401', async () => {
    const res = await anypoint.call('GET', '/accounts/api/users/me', { auth: false });
    expect(res.status).toBe(401);
    expect(res.body).toBe('Unauthorized');
  });
});
