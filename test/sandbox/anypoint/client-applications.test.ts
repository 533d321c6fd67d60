import { registrationMetadata, speaksOktaDialect } from '../../../src/sandbox/anypoint/client-applications';
import { AnypointTestClient, clientProviderBody, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

describe('Exchange client applications', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let apiId: number;
  let apps: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    const providerId = await anypoint.createClientProvider(idp);
    apiId = (await anypoint.createInstance({ providerId })).id;
    apps = `/exchange/api/v2/organizations/${anypoint.org}/applications`;
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  it('registers a client_credentials client at a strict provider with standard RFC 7591 fields and returns its credentials', async () => {
    const res = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Solar Silver', description: 'cc client', grantTypes: ['client_credentials'], redirectUri: [], apiEndpoints: false });
    expect(res.status).toBe(201);
    expectResponseMatchesSpec(specs.apps(), 'PostExchangeClientApp', 201, res.body);
    const registered = await idp.client(res.body.clientId);
    expect(registered).toMatchObject({
      client_name: 'Solar Silver',
      client_secret: res.body.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    });
    expect(res.body.clientProvider).toMatchObject({ name: 'RFC provider', type: 'openid-dynamic-client' });
    expect(await idp.tokenFor(res.body, 'silver')).toEqual(expect.any(String));
  });

  it('keeps the RFC 7592 registration handle the provider returned, and never shows its token', async () => {
    const res = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'With handle', grantTypes: ['client_credentials'] });
    const record = anypoint.sandbox.ctx.state.applications.find((a) => a.id === res.body.id)!;
    expect(record.registration?.clientUri).toBe(`${idp.urls.register}/${res.body.clientId}`);
    const read = await fetch(record.registration!.clientUri, { headers: { authorization: `Bearer ${record.registration!.accessToken}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { client_name: string }).client_name).toBe('With handle');
    const shown = [res.body, (await anypoint.get(`${apps}/${res.body.id}?targetAdminSite=true`)).body, (await anypoint.get(`${apps}?targetAdminSite=true&limit=500`)).body];
    for (const body of shown) expect(JSON.stringify(body)).not.toContain(record.registration!.accessToken);
  });

  it('registers an authorization_code client as a web client with response type code', async () => {
    const web = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Web', grantTypes: ['authorization_code', 'refresh_token'], redirectUri: ['http://localhost:8080/cb'] });
    expect(web.status).toBe(201);
    expect(await idp.client(web.body.clientId)).toMatchObject({
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://localhost:8080/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });

  it('reports the words of a provider that refuses an implicit-only public client (no `token` response type there)', async () => {
    const spa = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Implicit', grantTypes: ['implicit'], redirectUri: ['https://spa.example.com/mulesoft'] });
    expect(spa.status).toBe(400);
    expect(spa.body.message).toMatch(/^Invalid client id/);
    expect(spa.body.message).toContain('invalid_client_metadata');
  });

  it('sends only standard metadata, and Okta\'s application_type only to an Okta (SSWS) provider', () => {
    expect(speaksOktaDialect('SSWS 00abc')).toBe(true);
    expect(speaksOktaDialect('Bearer abc')).toBe(false);
    expect(registrationMetadata('cc', ['client_credentials'], [])).toEqual({ client_name: 'cc', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic' });
    expect(registrationMetadata('spa', ['implicit'], ['https://x/cb'])).toMatchObject({ response_types: ['token'], token_endpoint_auth_method: 'none' });
    expect(registrationMetadata('web', ['authorization_code', 'implicit'], ['https://x/cb'])).toMatchObject({ response_types: ['code', 'token'], token_endpoint_auth_method: 'client_secret_basic' });
    expect(registrationMetadata('web', ['authorization_code'], ['https://x/cb'])).not.toHaveProperty('application_type');
    expect(registrationMetadata('cc', ['client_credentials'], [], { oktaDialect: true })).toMatchObject({ application_type: 'service', response_types: [] });
    expect(registrationMetadata('spa', ['implicit'], ['https://x/cb'], { oktaDialect: true })).toMatchObject({ application_type: 'browser' });
    expect(registrationMetadata('web', ['authorization_code'], ['https://x/cb'], { oktaDialect: true })).toMatchObject({ application_type: 'web' });
  });

  it('surfaces the IdP refusing a blank registration header as "invalid client id"', async () => {
    const blank = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, clientProviderBody(idp, 'Blank', { authorization: '' }));
    const instance = await anypoint.createInstance({ providerId: blank.body.provider_id, instanceLabel: 'blank-header' });
    const res = await anypoint.post(`${apps}?apiInstanceId=${instance.id}`, { name: 'Doomed', grantTypes: ['client_credentials'] });
    expect(res.status).toBe(400);
    expectResponseMatchesSpec(specs.apps(), 'PostExchangeClientApp', 400, res.body);
    expect(res.body.message).toMatch(/^Invalid client id/);
    expect(res.body.message).toContain('HTTP 401');
    expect(res.body.message).toContain('invalid_token');
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
    expect((await idp.client(created.body.clientId))!.client_name).toBe('Patch me');
  });

  it('deletes in Anypoint only: the client stays in the IdP and still gets tokens', async () => {
    const created = await anypoint.post(`${apps}?apiInstanceId=${apiId}`, { name: 'Delete me', grantTypes: ['client_credentials'] });
    expect((await anypoint.delete(`${apps}/${created.body.id}`)).status).toBe(204);
    expect((await anypoint.get(`${apps}/${created.body.id}`)).status).toBe(404);
    expect(await idp.client(created.body.clientId)).toBeDefined();
    expect((await idp.tokenRequest(created.body, 'silver')).status).toBe(200);
  });

  it('with external client modification, sends the documented PUT/DELETE with the configured header, which a real provider refuses', async () => {
    const body = clientProviderBody(idp, 'Managed');
    body.oidc_dynamic_client_provider.allow_external_client_modification = true;
    const provider = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, body);
    const instance = await anypoint.createInstance({ providerId: provider.body.provider_id, instanceLabel: 'managed' });
    const created = await anypoint.post(`${apps}?apiInstanceId=${instance.id}`, { name: 'Managed app', grantTypes: ['client_credentials'] });
    // RFC 7592 wants the registration access token there, not the initial access token (the doc: "not expected to work ... directly against an IDP").
    const patched = await anypoint.patch(`${apps}/${created.body.id}`, { name: 'Managed renamed' });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toContain('refused the update (HTTP 401');
    expect((await idp.client(created.body.clientId))!.client_name).toBe('Managed app');
    const deleted = await anypoint.delete(`${apps}/${created.body.id}`);
    expect(deleted.status).toBe(400);
    expect(deleted.body.message).toContain('refused the deletion (HTTP 401');
    expect(await idp.client(created.body.clientId)).toBeDefined();
    expect((await anypoint.get(`${apps}/${created.body.id}`)).status).toBe(200);
  });
});

describe('Importing an IdP client into Anypoint', () => {
  it('needs allow_client_import and leaves the IdP untouched', async () => {
    const [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    try {
      const closed = await anypoint.createClientProvider(idp, 'No import');
      const existing = await idp.registerServiceClient('Made in the IdP');
      const refused = await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: closed });
      expect(refused.status).toBe(400);
      const body = clientProviderBody(idp, 'Import');
      body.oidc_dynamic_client_provider.allow_client_import = true;
      const open = (await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, body)).body.provider_id;
      const registerRoute = `POST ${new URL(idp.urls.register).pathname}`;
      const registrations = (await idp.sandbox.admin.requests()).counts[registerRoute];
      const imported = await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: open, name: 'Imported' });
      expect(imported.status).toBe(201);
      expect(imported.body).toMatchObject({ name: 'Imported', clientId: existing.client_id, clientProvider: { providerId: open } });
      expect((await idp.sandbox.admin.requests()).counts[registerRoute]).toBe(registrations);
      expect((await anypoint.post(`/apimanager/api/v1/organizations/${anypoint.org}/applications`, { clientId: existing.client_id, providerId: open })).status).toBe(409);
    } finally {
      await anypoint.sandbox.close();
      await idp.close();
    }
  });
});
