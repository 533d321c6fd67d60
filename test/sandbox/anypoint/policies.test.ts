import { AnypointTestClient, expectResponseMatchesSpec, OIDC_POLICY, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

describe('API Manager policies', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let apiId: number;
  let policies: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    apiId = (await anypoint.createInstance({ providerId: await anypoint.createClientProvider(idp) })).id;
    policies = `${anypoint.apis()}/${apiId}/policies`;
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  const silver = { ...OIDC_POLICY, configurationData: { scopes: 'silver', scopeValidationCriteria: 'AND', exposeHeaders: false, skipClientIdValidation: false }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/planets' }], order: 1 };
  const gold = { ...OIDC_POLICY, configurationData: { scopes: 'gold' }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/moons' }], order: 2 };

  it('applies the OpenID Connect policy twice with different pointcuts (silver /planets, gold /moons)', async () => {
    const first = await anypoint.post(policies, silver);
    expect(first.status).toBe(201);
    expectResponseMatchesSpec(specs.policy(), 'PostApimPolicy', 201, first.body);
    expect(first.body).toMatchObject({ id: expect.any(Number), apiId, assetId: OIDC_POLICY.assetId, assetVersion: '1.3.0', configurationData: silver.configurationData, pointcutData: silver.pointcutData, order: 1, disabled: false });
    const second = await anypoint.post(policies, gold);
    expect(second.status).toBe(201);
    expect((await anypoint.post(policies, gold)).status).toBe(409);
  });

  it('lists in the three shapes: bare array, {policies} with fullInfo, compact entries', async () => {
    const bare = await anypoint.get(policies);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicies', 200, bare.body);
    expect(bare.body.map((p: { configurationData: { scopes: string } }) => p.configurationData.scopes)).toEqual(['silver', 'gold']);
    const full = await anypoint.get(`${policies}?fullInfo=true`);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicies', 200, full.body);
    expect(full.body.policies[0]).toMatchObject({ policyId: bare.body[0].id, template: { assetId: OIDC_POLICY.assetId, assetVersion: '1.3.0' }, configuration: { scopes: 'silver' } });
    const compact = await anypoint.get(`${policies}?compact=true`);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicies', 200, compact.body);
    expect(compact.body[1]).toMatchObject({ policyId: bare.body[1].id, template: { assetId: OIDC_POLICY.assetId }, configuration: { scopes: 'gold' }, implementationAsset: { version: '1.3.0' } });
    expect(compact.body[1].id).toBeUndefined();
  });

  it('validates configurationData against the template in the API Manager shape', async () => {
    const res = await anypoint.post(policies, { ...OIDC_POLICY, configurationData: { scopes: 'x', scopeValidationCriteria: 'XOR', maxCacheEntries: 'many' }, pointcutData: null });
    expect(res.status).toBe(400);
    expect(res.body.name).toBe('Bad Request');
    expect(res.body.errors).toEqual([
      { path: '/body/configurationData/scopeValidationCriteria', message: expect.stringContaining('allowed values'), errorCode: 'enum.openapi.validation' },
      { path: '/body/configurationData/maxCacheEntries', message: 'must be integer', errorCode: 'type.openapi.validation' },
    ]);
    const regex = await anypoint.post(policies, { ...OIDC_POLICY, configurationData: {}, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/planets(' }] });
    expect(regex.body.errors[0].path).toBe('/body/pointcutData/0/uriTemplateRegex');
  });

  it('refuses the OpenID Connect policy on an instance without an OIDC client provider', async () => {
    const native = await anypoint.createInstance({ instanceLabel: 'native' });
    const res = await anypoint.post(`${anypoint.apis()}/${native.id}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'silver' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ name: 'PolicyValidationError', message: expect.stringContaining('OpenID Connect Dynamic Client Registration') });
  });

  it('applies client-id enforcement and rate limiting too, and 404s an unknown template', async () => {
    const clientId = await anypoint.post(policies, { groupId: OIDC_POLICY.groupId, assetId: 'client-id-enforcement', assetVersion: '1.3.2', configurationData: { credentialsOriginHasHttpBasicAuthenticationHeader: 'customExpression', clientIdExpression: "#[attributes.headers['client_id']]" }, pointcutData: [{ methodRegex: 'POST', uriTemplateRegex: '/.*' }] });
    expect(clientId.status).toBe(201);
    const limit = await anypoint.post(policies, { groupId: OIDC_POLICY.groupId, assetId: 'rate-limiting', assetVersion: '1.4.0', configurationData: { rateLimits: [{ maximumRequests: 5, timePeriodInMilliseconds: 1000 }] }, pointcutData: null });
    expect(limit.status).toBe(201);
    const noLimits = await anypoint.post(policies, { groupId: OIDC_POLICY.groupId, assetId: 'rate-limiting', assetVersion: '1.4.0', configurationData: {}, pointcutData: [{ methodRegex: 'PUT', uriTemplateRegex: '/x' }] });
    expect(noLimits.body.errors[0].errorCode).toBe('required.openapi.validation');
    const unknown = await anypoint.post(policies, { groupId: OIDC_POLICY.groupId, assetId: 'no-such-policy', assetVersion: '1.0.0', configurationData: {} });
    expect(unknown.status).toBe(404);
    expectResponseMatchesSpec(specs.policy(), 'PostApimPolicy', 404, unknown.body);
    for (const p of [clientId, limit]) expect((await anypoint.delete(`${policies}/${p.body.id}`)).status).toBe(204);
  });

  it('reads, patches, disables, enables and deletes a policy', async () => {
    const created = (await anypoint.post(policies, { ...OIDC_POLICY, assetVersion: '1.2.0', configurationData: { scopes: 'bronze' }, pointcutData: [{ methodRegex: 'GET|POST', uriTemplateRegex: '/comets' }] })).body;
    const read = await anypoint.get(`${policies}/${created.id}`);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicy', 200, read.body);
    const patched = await anypoint.patch(`${policies}/${created.id}`, { configurationData: { scopes: 'bronze silver', scopeValidationCriteria: 'OR' }, assetVersion: '1.3.0' });
    expect(patched.status).toBe(200);
    expectResponseMatchesSpec(specs.policy(), 'PatchApimPolicy', 200, patched.body);
    expect(patched.body).toMatchObject({ assetVersion: '1.3.0', configurationData: { scopes: 'bronze silver', scopeValidationCriteria: 'OR' } });
    const xapi = `/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/policies/${created.id}`;
    const disabled = await anypoint.post(`${xapi}/disable`);
    expect(disabled.status).toBe(201);
    expectResponseMatchesSpec(specs.policy(), 'DisableApimPolicy', 201, disabled.body);
    expect(disabled.body.disabled).toBe(true);
    expect((await anypoint.post(`${xapi}/enable`)).body.disabled).toBe(false);
    expect((await anypoint.delete(`${policies}/${created.id}`)).status).toBe(204);
    const gone = await anypoint.get(`${policies}/${created.id}`);
    expect(gone.status).toBe(404);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicy', 404, gone.body);
  });

  it('describes the policy templates, applicable or not for an instance', async () => {
    const list = await anypoint.get(`/apimanager/xapi/v1/organizations/${anypoint.org}/exchange-policy-templates?latest=true&apiInstanceId=${apiId}`);
    expectResponseMatchesSpec(specs.policy(), 'GetOrgExchangePolicyTemplates', 200, list.body);
    expect(list.body.find((t: { assetId: string }) => t.assetId === OIDC_POLICY.assetId)).toMatchObject({ version: '1.3.0', applicable: true });
    const one = await anypoint.get(`/apimanager/xapi/v1/organizations/${anypoint.org}/exchange-policy-templates/${OIDC_POLICY.groupId}/${OIDC_POLICY.assetId}/1.2.0?includeAllVersions=true`);
    expectResponseMatchesSpec(specs.policy(), 'GetOrgExchangePolicyTemplateDetails', 200, one.body);
    expect(one.body.allVersions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.3.0']);
  });
});
