import { AnypointTestClient, clientProviderBody, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';
import { RfcProvider, startRfcProvider } from './support/rfc-provider';

describe('Exchange client applications', () => {
  let anypoint: AnypointTestClient;
  let idp: RfcProvider;
  let apiId: number;
  let apps: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startRfcProvider()]);
    const providerId = await anypoint.createClientProvider(idp);
    apiId = (await anypoint.createInstance({ providerId })).id;
    apps = `/exchange/api/v2/organizations/${anypoint.org}/applications`;
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  it('registers the client at the instance\'s provider with standard RFC 7591 fields and returns its credentials', async () => {
    const res = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Solar Silver', description: 'cc client', grantTypes: ['client_credentials'], redirectUri: [], apiEndpoints: false });
    expect(res.status).toBe(201);
    expectResponseMatchesSpec(specs.apps(), 'PostExchangeClientApp', 201, res.body);
    const registered = idp.clients.get(res.body.clientId);
    expect(registered).toBeDefined();
    expect(res.body.clientSecret).toBe(registered!.client_secret);
    expect(idp.registrations.at(-1)).toEqual({
      client_name: 'Solar Silver',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: ['token'],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'service',
    });
    expect(res.body.clientProvider).toMatchObject({ name: 'RFC provider', type: 'openid-dynamic-client' });
  });

  it('registers a web client for authorization_code and a public browser client for implicit only', async () => {
    const web = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Web', grantTypes: ['authorization_code', 'refresh_token'], redirectUri: ['http://localhost:8080/cb'] });
    expect(web.status).toBe(201);
    expect(idp.registrations.at(-1)).toMatchObject({ application_type: 'web', response_types: ['code'], redirect_uris: ['http://localhost:8080/cb'] });
    const spa = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Implicit', grantTypes: ['implicit'], redirectUri: ['http://localhost:8888/mulesoft'] });
    expect(spa.status).toBe(201);
    expect(idp.registrations.at(-1)).toMatchObject({ application_type: 'browser', response_types: ['token'], token_endpoint_auth_method: 'none' });
  });

  it('surfaces the IdP refusing a blank registration header as "invalid client id"', async () => {
    const blank = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, clientProviderBody(idp, 'Blank', { authorization: '' }));
    const instance = await anypoint.createInstance({ providerId: blank.body.provider_id, instanceLabel: 'blank-header' });
    const res = await anypoint.post(`${apps}?apiInstanceId=${instance.id}`, { name: 'Doomed', grantTypes: ['client_credentials'] });
    expect(res.status).toBe(400);
    expectResponseMatchesSpec(specs.apps(), 'PostExchangeClientApp', 400, res.body);
    expect(res.body.message).toMatch(/^Invalid client id/);
    expect(res.body.message).toContain('registration access token');
  });

  it('gives Anypoint-generated credentials to an application without an external provider', async () => {
    const res = await anypoint.post(apps, { name: 'Native', grantTypes: [] });
    expect(res.status).toBe(201);
    expect(res.body.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body.clientProvider.providerId).toBeNull();
  });

  it('checks grant combinations', async () => {
    expect((await anypoint.post(apps, { name: 'x', grantTypes: ['refresh_token'] })).status).toBe(400);
    expect((await anypoint.post(apps, { name: 'x', grantTypes: ['authorization_code'] })).status).toBe(400);
    expect((await anypoint.post(apps, { name: 'x', grantTypes: ['telepathy'] })).status).toBe(400);
  });

  it('lists as an array with a fuzzy query and paging', async () => {
    const all = await anypoint.get(`${apps}?targetAdminSite=true&limit=100`);
    expect(all.status).toBe(200);
    expectResponseMatchesSpec(specs.apps(), 'GetExchangeClientApps', 200, all.body);
    expect(all.body.length).toBeGreaterThanOrEqual(4);
    const fuzzy = await anypoint.get(`${apps}?targetAdminSite=true&query=silver`);
    expect(fuzzy.body.map((a: { name: string }) => a.name)).toEqual(['Solar Silver']);
    const page = await anypoint.get(`${apps}?targetAdminSite=true&limit=2&offset=1`);
    expect(page.body.map((a: { id: number }) => a.id)).toEqual(all.body.slice(1, 3).map((a: { id: number }) => a.id));
  });

  it('reads one application', async () => {
    const [first] = (await anypoint.get(`${apps}?targetAdminSite=true&query=Solar Silver`)).body;
    const res = await anypoint.get(`${apps}/${first.id}?targetAdminSite=true`);
    expect(res.status).toBe(200);
    // The spec files the application body under 204 for this GET.
    expectResponseMatchesSpec(specs.apps(), 'GetExchangeClientApp', 204, res.body);
    expect(res.body.clientSecret).toBe(first.clientSecret);
    expect((await anypoint.get(`${apps}/999`)).status).toBe(404);
  });

  it('patches Anypoint only: the IdP client keeps its registration', async () => {
    const created = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Patch me', grantTypes: ['client_credentials'] });
    const patched = await anypoint.patch(`${apps}/${created.body.id}`, { name: 'Patched', description: 'new' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Patched', description: 'new' });
    expect(idp.clients.get(created.body.clientId)!.client_name).toBe('Patch me');
  });

  it('deletes in Anypoint only: the client stays in the IdP and still gets tokens', async () => {
    const created = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Delete me', grantTypes: ['client_credentials'] });
    expect((await anypoint.delete(`${apps}/${created.body.id}`)).status).toBe(204);
    expect((await anypoint.get(`${apps}/${created.body.id}`)).status).toBe(404);
    expect(idp.clients.has(created.body.clientId)).toBe(true);
    const token = await fetch(idp.urls.token, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${created.body.clientId}:${created.body.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=silver',
    });
    expect(token.status).toBe(200);
  });

  it('propagates update and deletion to the IdP only when the provider allows external client modification', async () => {
    const body = clientProviderBody(idp, 'Managed');
    body.oidc_dynamic_client_provider.allow_external_client_modification = true;
    const provider = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, body);
    const instance = await anypoint.createInstance({ providerId: provider.body.provider_id, instanceLabel: 'managed' });
    const created = await anypoint.post(`${apps}?apiInstanceId=${instance.id}`, { name: 'Managed app', grantTypes: ['client_credentials'] });
    await anypoint.patch(`${apps}/${created.body.id}`, { name: 'Managed renamed' });
    expect(idp.clients.get(created.body.clientId)!.client_name).toBe('Managed renamed');
    await anypoint.delete(`${apps}/${created.body.id}`);
    expect(idp.clients.has(created.body.clientId)).toBe(false);
  });
});

describe('Importing an IdP client into Anypoint', () => {
  it('needs allow_client_import and leaves the IdP untouched', async () => {
    const [anypoint, idp] = await Promise.all([startAnypoint(), startRfcProvider()]);
    try {
      const closed = await anypoint.createClientProvider(idp, 'No import');
      const existing = idp.addClient({ grant_types: ['client_credentials'], client_name: 'Made in the IdP' });
      const refused = await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: closed });
      expect(refused.status).toBe(400);
      const body = clientProviderBody(idp, 'Import');
      body.oidc_dynamic_client_provider.allow_client_import = true;
      const open = (await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, body)).body.provider_id;
      const registrations = idp.registrations.length;
      const imported = await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: open, name: 'Imported' });
      expect(imported.status).toBe(201);
      expect(imported.body).toMatchObject({ name: 'Imported', clientId: existing.client_id, clientProvider: { providerId: open } });
      expect(idp.registrations.length).toBe(registrations);
      expect((await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: open })).status).toBe(409);
    } finally {
      await anypoint.sandbox.close();
      await idp.close();
    }
  });
});
