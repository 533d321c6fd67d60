import { AnypointTestClient, expectResponseMatchesSpec, OIDC_POLICY, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

describe('API Manager instances', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let providerId: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    providerId = await anypoint.createClientProvider(idp);
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  const xapi = () => `/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis`;

  it('creates an instance from the Exchange asset bound to a client provider (xapi path)', async () => {
    const res = await anypoint.post(xapi(), {
      technology: 'mule4',
      providerId,
      instanceLabel: 'okta-solar-system',
      spec: { groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0' },
      endpoint: { deploymentType: 'CH', type: 'raml', isCloudHub: true, muleVersion4OrAbove: true, uri: 'http://127.0.0.1:18082/solar-system', proxyUri: 'http://0.0.0.0:8081/' },
    });
    expect(res.status).toBe(201);
    expectResponseMatchesSpec(specs.apim(), 'PostApimInstance', 201, res.body);
    expect(res.body).toMatchObject({ providerId, assetId: 'solar-system', assetVersion: '1.0.0', productVersion: 'v1', instanceLabel: 'okta-solar-system', endpoint: { uri: 'http://127.0.0.1:18082/solar-system', deploymentType: 'CH' } });
    const read = await anypoint.get(`${anypoint.apis()}/${res.body.id}`);
    expect(read.status).toBe(200);
    expectResponseMatchesSpec(specs.apim(), 'GetApimInstanceDetails', 200, read.body);
  });

  it('creates through the public api/v1 path with the explicit-null body the official provider sends', async () => {
    const res = await anypoint.post(anypoint.apis(), {
      technology: 'mule4', providerId: null, approvalMethod: null, endpointUri: null, instanceLabel: 'nulls',
      spec: { groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0' },
      endpoint: { deploymentType: 'CH', type: 'raml', isCloudHub: true, muleVersion4OrAbove: true, uri: 'http://x', proxyUri: 'http://0.0.0.0:8081/', referencesUserDomain: false, responseTimeout: null, tlsContexts: null },
      routing: null, deployment: null,
    });
    expect(res.status).toBe(201);
    expectResponseMatchesSpec(specs.apim(), 'PostApimInstance', 201, res.body);
  });

  it('answers 404 when the asset is not in Exchange', async () => {
    const res = await anypoint.post(anypoint.apis(), { technology: 'mule4', spec: { groupId: anypoint.org, assetId: 'solar-system', version: '9.9.9' } });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ name: 'NotFoundError', message: expect.stringContaining('9.9.9') });
  });

  it('answers malformed bodies in the openapi-validator shape (issue #65)', async () => {
    const res = await anypoint.post(anypoint.apis(), { technology: 'mule4', spec: { groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0' }, deployment: 'CH' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ name: 'Bad Request', errors: [{ path: '/body/deployment', message: 'must be object', errorCode: 'type.openapi.validation' }], message: 'request/body/deployment must be object' });
    expectResponseMatchesSpec(specs.apim(), 'PostApimInstance', 400, res.body);
  });

  it('lists instances nested under their asset, with exact filters, a fuzzy query and paging', async () => {
    await anypoint.createInstance({ instanceLabel: 'list-a' });
    await anypoint.createInstance({ instanceLabel: 'list-b' });
    const all = await anypoint.get(`${anypoint.apis()}?limit=100`);
    expect(all.status).toBe(200);
    expectResponseMatchesSpec(specs.apim(), 'GetEnvApimInstances', 200, all.body);
    expect(all.body.assets).toHaveLength(1);
    expect(all.body.assets[0]).toMatchObject({ groupId: anypoint.org, assetId: 'solar-system', exchangeAssetName: 'Solar System' });
    expect(all.body.total).toBe(all.body.assets[0].apis.length);
    const exact = await anypoint.get(`${anypoint.apis()}?groupId=${anypoint.org}&assetId=solar-system&instanceLabel=list-a`);
    expect(exact.body.assets[0].apis.map((a: { instanceLabel: string }) => a.instanceLabel)).toEqual(['list-a']);
    expect((await anypoint.get(`${anypoint.apis()}?instanceLabel=list`)).body.total).toBe(0);
    const fuzzy = await anypoint.get(`${anypoint.apis()}?query=LIST-`);
    expect(fuzzy.body.total).toBe(2);
    const paged = await anypoint.get(`${anypoint.apis()}?limit=1&offset=1`);
    expect(paged.body.assets[0].apis).toHaveLength(1);
    expect(paged.body.total).toBe(all.body.total);
  });

  it('patches label, endpoint and provider', async () => {
    const created = await anypoint.createInstance({ instanceLabel: 'to-patch' });
    const res = await anypoint.patch(`${xapi()}/${created.id}`, { instanceLabel: 'patched', providerId, endpoint: { uri: 'http://127.0.0.1:18082/solar-system' } });
    expect(res.status).toBe(200);
    expectResponseMatchesSpec(specs.apim(), 'PatchApimInstance', 200, res.body);
    expect(res.body).toMatchObject({ instanceLabel: 'patched', providerId, endpoint: { uri: 'http://127.0.0.1:18082/solar-system', deploymentType: 'CH' } });
  });

  it('refuses to change the client provider once an OpenID Connect policy or a contract exists', async () => {
    const created = await anypoint.createInstance({ providerId, instanceLabel: 'locked' });
    const policy = await anypoint.post(`${anypoint.apis()}/${created.id}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'silver' }, pointcutData: null });
    expect(policy.status).toBe(201);
    const res = await anypoint.patch(`${xapi()}/${created.id}`, { providerId: null });
    expect(res.status).toBe(409);
    expect(res.body.name).toBe('ClientProviderChangeError');
    const other = await anypoint.createClientProvider(idp, 'Same type');
    expect((await anypoint.patch(`${xapi()}/${created.id}`, { providerId: other })).status).toBe(200);
    const app = await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${created.id}`, { name: 'Locks it', grantTypes: ['client_credentials'] });
    await anypoint.post(`${anypoint.apis()}/${created.id}/contracts`, { applicationId: app.body.id, acceptedTerms: true });
    expect((await anypoint.patch(`${xapi()}/${created.id}`, { providerId })).status).toBe(409);
  });

  it('deletes an instance (404 afterwards)', async () => {
    const created = await anypoint.createInstance({ instanceLabel: 'to-delete' });
    expect((await anypoint.delete(`${anypoint.apis()}/${created.id}`)).status).toBe(204);
    const gone = await anypoint.get(`${anypoint.apis()}/${created.id}`);
    expect(gone.status).toBe(404);
    expectResponseMatchesSpec(specs.apim(), 'GetApimInstanceDetails', 404, gone.body);
  });

  it('keeps instances per environment', async () => {
    const created = await anypoint.createInstance({ instanceLabel: 'sandbox-only' });
    expect((await anypoint.get(`${anypoint.apis(anypoint.sandbox.environments.Production)}/${created.id}`)).status).toBe(404);
  });

  it('lists an instance\'s upstream, its implementation URI, with a stable id; none without a URI', async () => {
    const created = await anypoint.createInstance({ instanceLabel: 'with-upstream' });
    const res = await anypoint.get(`${anypoint.apis()}/${created.id}/upstreams`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ total: 1, upstreams: [{ id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), label: null, uri: 'http://127.0.0.1:9/solar-system', tlsContext: null, audit: { created: { date: expect.any(String) }, updated: { date: expect.any(String) } } }] });
    expect((await anypoint.get(`${anypoint.apis()}/${created.id}/upstreams`)).body.upstreams[0].id).toBe(res.body.upstreams[0].id);
    const one = await anypoint.get(`${anypoint.apis()}/${created.id}/upstreams/${res.body.upstreams[0].id}`);
    expect(one.body).toEqual(res.body.upstreams[0]);
    expect((await anypoint.get(`${anypoint.apis()}/${created.id}/upstreams/00000000-0000-5000-8000-000000000000`)).status).toBe(404);
    const bare = await anypoint.createInstance({ instanceLabel: 'no-uri', endpoint: { deploymentType: 'CH', uri: null } });
    expect((await anypoint.get(`${anypoint.apis()}/${bare.id}/upstreams`)).body).toEqual({ total: 0, upstreams: [] });
    const missing = await anypoint.get(`${anypoint.apis()}/999/upstreams`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ name: 'NotFoundError', message: 'API instance 999 not found' });
  });
});
