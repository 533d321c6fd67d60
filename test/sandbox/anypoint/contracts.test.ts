import { AnypointTestClient, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

describe('Contracts and SLA tiers', () => {
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

  async function appFor(apiId: number, name: string) {
    return (await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${apiId}`, { name, grantTypes: ['client_credentials'] })).body;
  }
  const xapi = (apiId: number, contractId: number, action: string) =>
    `/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/contracts/${contractId}/${action}`;

  it('approves a contract at once on an automatic instance and lists it', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'auto' });
    const app = await appFor(api.id, 'Auto client');
    const res = await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true });
    expect(res.status).toBe(201);
    // The spec documents this body under 200; the platform answers 201 (Bruno collection).
    expectResponseMatchesSpec(specs.contract(), 'CreateApiContract', 200, res.body);
    expect(res.body).toMatchObject({ status: 'APPROVED', applicationId: app.id, application: { clientId: app.clientId }, apiId: api.id });
    const list = await anypoint.get(`${anypoint.apis()}/${api.id}/contracts`);
    expectResponseMatchesSpec(specs.contract(), 'GetApiContracts', 200, list.body);
    expect(list.body).toMatchObject({ total: 1, contracts: [{ id: res.body.id, status: 'APPROVED', application: { id: app.id, name: 'Auto client' } }] });
    const one = await anypoint.get(`${anypoint.apis()}/${api.id}/contracts/${res.body.id}`);
    expectResponseMatchesSpec(specs.contract(), 'GetApiContract', 200, one.body);
    expect((await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true })).status).toBe(409);
    const appContracts = await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications/${app.id}/contracts`);
    expectResponseMatchesSpec(specs.apps(), 'GetExchangeClientAppContracts', 204, appContracts.body);
    expect(appContracts.body).toEqual([expect.objectContaining({ id: res.body.id, status: 'APPROVED' })]);
  });

  it('leaves a contract PENDING on a manual-approval instance until approved', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'manual', approvalMethod: 'manual' });
    const app = await appFor(api.id, 'Manual client');
    const created = await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true });
    expect(created.body.status).toBe('PENDING');
    const approved = await anypoint.post(xapi(api.id, created.body.id, 'approve'));
    expect(approved.status).toBe(201);
    expectResponseMatchesSpec(specs.contract(), 'UpdateApiContractStatus', 201, approved.body);
    expect(approved.body.status).toBe('APPROVED');
  });

  it('deletes a contract only after it is revoked', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'revoke' });
    const app = await appFor(api.id, 'Revoked client');
    const c = (await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true })).body;
    const early = await anypoint.delete(`${anypoint.apis()}/${api.id}/contracts/${c.id}`);
    expect(early.status).toBe(409);
    expect(early.body).toEqual({ name: 'ConflictError', message: expect.stringContaining('revoke it') });
    expect((await anypoint.post(xapi(api.id, c.id, 'revoke'))).body.status).toBe('REVOKED');
    expect((await anypoint.post(xapi(api.id, c.id, 'reject'))).status).toBe(409);
    expect((await anypoint.delete(`${anypoint.apis()}/${api.id}/contracts/${c.id}`)).status).toBe(204);
  });

  it('needs the application and the instance to share a client provider', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'provider-match' });
    const native = (await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications`, { name: 'Native app' })).body;
    const res = await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: native.id, acceptedTerms: true });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('same client provider');
  });

  it('creates tiers; once tiers exist a contract names one, and a manual tier leaves it PENDING', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'tiers' });
    const tiers = `${anypoint.apis()}/${api.id}/tiers`;
    const gold = await anypoint.post(tiers, { name: 'Gold', status: 'ACTIVE', autoApprove: false, limits: [{ maximumRequests: 100, timePeriodInMilliseconds: 60000, visible: true }] });
    expect(gold.status).toBe(201);
    expectResponseMatchesSpec(specs.tier(), 'CreateApiInstanceTier', 201, gold.body);
    const list = await anypoint.get(tiers);
    expectResponseMatchesSpec(specs.tier(), 'GetApiInstanceTiers', 200, list.body);
    expect(list.body).toMatchObject({ total: 1, tiers: [{ name: 'Gold', autoApprove: false }] });
    const app = await appFor(api.id, 'Tiered client');
    expect((await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true })).status).toBe(400);
    const c = await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true, requestedTierId: gold.body.id });
    expect(c.body).toMatchObject({ status: 'PENDING', requestedTierId: gold.body.id });
    const approved = await anypoint.post(xapi(api.id, c.body.id, 'approve'));
    expect(approved.body).toMatchObject({ status: 'APPROVED', tierId: gold.body.id, tier: { name: 'Gold' } });
    const silver = await anypoint.post(tiers, { name: 'Silver', status: 'ACTIVE', autoApprove: true, limits: [{ maximumRequests: 10, timePeriodInMilliseconds: 60000, visible: true }] });
    const moved = await anypoint.patch(`${anypoint.apis()}/${api.id}/contracts/${c.body.id}`, { tierId: silver.body.id });
    expect(moved.status).toBe(200);
    expectResponseMatchesSpec(specs.contract(), 'UpdateApiContract', 200, moved.body);
    expect(moved.body).toMatchObject({ tierId: silver.body.id, tier: { name: 'Silver' } });
    const updated = await anypoint.put(`${tiers}/${gold.body.id}`, { name: 'Gold', autoApprove: true, limits: [{ maximumRequests: 200, timePeriodInMilliseconds: 60000, visible: true }] });
    expect(updated.status).toBe(201);
    expectResponseMatchesSpec(specs.tier(), 'UpdateApiInstanceTier', 201, updated.body);
    expect(updated.body.limits[0].maximumRequests).toBe(200);
    expect((await anypoint.delete(`${tiers}/${silver.body.id}`)).status).toBe(409);
  });

  it('takes the portal\'s Exchange route for requesting access too', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'portal' });
    const app = await appFor(api.id, 'Portal client');
    const res = await anypoint.post(`/exchange/api/v1/organizations/${anypoint.org}/applications/${app.id}/contracts`, {
      apiId: api.id, environmentId: anypoint.env, acceptedTerms: true, organizationId: anypoint.org, groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0', productAPIVersion: 'v1',
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('APPROVED');
  });

  it('filters a contract list by coreServicesId (the application client id) and sorts by application name', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'filtered' });
    const zulu = await appFor(api.id, 'Zulu client');
    const alpha = await appFor(api.id, 'Alpha client');
    for (const app of [zulu, alpha]) expect((await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true })).status).toBe(201);
    const contracts = `${anypoint.apis()}/${api.id}/contracts`;
    const byClient = await anypoint.get(`${contracts}?limit=1&coreServicesId=${alpha.clientId}`);
    expectResponseMatchesSpec(specs.contract(), 'GetApiContracts', 200, byClient.body);
    expect(byClient.body).toMatchObject({ total: 1, contracts: [{ application: { id: alpha.id, coreServicesId: alpha.clientId } }] });
    expect((await anypoint.get(`${contracts}?coreServicesId=unknown-client`)).body).toEqual({ total: 0, contracts: [] });
    const byName = await anypoint.get(`${contracts}?sort=name&ascending=true`);
    expect(byName.body.contracts.map((c: { application: { name: string } }) => c.application.name)).toEqual(['Alpha client', 'Zulu client']);
    const descending = await anypoint.get(`${contracts}?sort=name&order=desc`);
    expect(descending.body.contracts.map((c: { application: { name: string } }) => c.application.name)).toEqual(['Zulu client', 'Alpha client']);
  });
});
