import { AnypointTestClient, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

/*
 * The consumer's "Request access" (admin call POST /__sandbox/consumers/request-access), the contract states it
 * leads to, what the platform refuses, and the consumer deleting the application.
 */
describe('Consumer access requests on the Anypoint sandbox', () => {
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

  const requestAccess = (body: Record<string, unknown>) => anypoint.post('/__sandbox/consumers/request-access', body);
  const contracts = (apiId: number, query = '') => anypoint.get(`${anypoint.apis()}/${apiId}/contracts${query}`);
  const act = (apiId: number, contractId: number, action: string) =>
    anypoint.post(`/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/contracts/${contractId}/${action}`);
  const deleteContract = (apiId: number, contractId: number) => anypoint.delete(`${anypoint.apis()}/${apiId}/contracts/${contractId}`);
  const applicationCount = async () => (await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications?targetAdminSite=true&limit=500`)).body.length;

  /** An instance on the strict provider with an automatic Silver and a manual Gold tier. */
  async function tieredInstance(label: string) {
    const api = await anypoint.createInstance({ providerId, instanceLabel: label });
    const tier = async (name: string, autoApprove: boolean, maximumRequests: number) =>
      (await anypoint.post(`${anypoint.apis()}/${api.id}/tiers`, { name, status: 'ACTIVE', autoApprove, limits: [{ maximumRequests, timePeriodInMilliseconds: 60000, visible: true }] })).body;
    return { api, silver: await tier('Silver', true, 10), gold: await tier('Gold', false, 100) };
  }

  it('creates the application (registered at the client provider) and its contract: APPROVED on an automatic tier, PENDING on a manual one', async () => {
    const { api, silver, gold } = await tieredInstance('request-access');
    const auto = await requestAccess({ apiId: api.id, applicationName: 'Silver consumer', tier: 'silver' });
    expect(auto.status).toBe(201);
    expectResponseMatchesSpec(specs.contract(), 'CreateApiContract', 200, auto.body.contract);
    expect(auto.body.application).toMatchObject({ name: 'Silver consumer', grantTypes: ['client_credentials'], clientId: expect.any(String), clientSecret: expect.any(String), clientProvider: { providerId } });
    expect(auto.body.contract).toMatchObject({ status: 'APPROVED', applicationId: auto.body.application.id, tierId: silver.id, tier: { name: 'Silver', autoApprove: true } });
    // Anypoint registered the client at the provider, under the application's name.
    expect(await idp.client(auto.body.application.clientId)).toMatchObject({ client_name: 'Silver consumer', grant_types: ['client_credentials'] });

    const manual = await requestAccess({ apiId: String(api.id), applicationName: 'Gold consumer', tier: gold.id, reason: 'nightly batch' });
    expect(manual.status).toBe(201);
    expect(manual.body.contract).toMatchObject({ status: 'PENDING', requestedTierId: gold.id, requestedTier: { name: 'Gold', autoApprove: false }, approvedDate: null });
    expect(manual.body.contract.tier).toBeUndefined();

    // The application belongs to the consumer: the connected app sees it only on the admin site.
    const own = await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications`);
    expect(own.body.map((a: { id: number }) => a.id)).not.toContain(auto.body.application.id);
    const admin = await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications?targetAdminSite=true`);
    expect(admin.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: auto.body.application.id, clientId: auto.body.application.clientId })]));
  });

  it('lists every contract of an instance with its tier and its application (id, name, clientId) in one call, filtered and paged', async () => {
    const { api, silver, gold } = await tieredInstance('one-list');
    const a = (await requestAccess({ apiId: api.id, applicationName: 'List A', tier: 'Silver' })).body;
    const b = (await requestAccess({ apiId: api.id, applicationName: 'List B', tier: 'Gold' })).body;
    const c = (await requestAccess({ apiId: api.id, applicationName: 'List C', tier: 'Silver' })).body;
    const list = await contracts(api.id);
    expect(list.status).toBe(200);
    expectResponseMatchesSpec(specs.contract(), 'GetApiContracts', 200, list.body);
    expect(list.body.total).toBe(3);
    expect(list.body.contracts).toEqual([
      expect.objectContaining({ id: a.contract.id, status: 'APPROVED', tierId: silver.id, tier: expect.objectContaining({ id: silver.id, name: 'Silver' }), application: expect.objectContaining({ id: a.application.id, name: 'List A', clientId: a.application.clientId }) }),
      expect.objectContaining({ id: b.contract.id, status: 'PENDING', tierId: null, requestedTierId: gold.id, requestedTier: expect.objectContaining({ id: gold.id, name: 'Gold' }), application: expect.objectContaining({ id: b.application.id, name: 'List B', clientId: b.application.clientId }) }),
      expect.objectContaining({ id: c.contract.id, status: 'APPROVED', application: expect.objectContaining({ clientId: c.application.clientId }) }),
    ]);
    expect((await contracts(api.id, '?status=PENDING')).body).toMatchObject({ total: 1, contracts: [{ id: b.contract.id }] });
    const second = await contracts(api.id, '?limit=1&offset=1');
    expect(second.body.total).toBe(3);
    expect(second.body.contracts.map((x: { id: number }) => x.id)).toEqual([b.contract.id]);
  });

  it('moves contracts only as the platform allows and refuses the rest with its error body', async () => {
    const { api, gold } = await tieredInstance('transitions');
    const pending = (await requestAccess({ apiId: api.id, applicationName: 'Waiting consumer', tier: 'Gold' })).body.contract;
    for (const action of ['revoke', 'restore']) {
      const refused = await act(api.id, pending.id, action);
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({ name: 'ConflictError', message: expect.stringContaining('PENDING') });
    }
    const refusedDelete = await deleteContract(api.id, pending.id);
    expect(refusedDelete.status).toBe(409);
    expect(refusedDelete.body).toEqual({ name: 'ConflictError', message: expect.stringContaining('revoke it') });

    const approved = await act(api.id, pending.id, 'approve');
    expect(approved.status).toBe(201);
    expectResponseMatchesSpec(specs.contract(), 'UpdateApiContractStatus', 201, approved.body);
    expect(approved.body).toMatchObject({ status: 'APPROVED', tierId: gold.id, tier: { name: 'Gold' }, approvedDate: expect.any(String) });
    expect((await act(api.id, pending.id, 'reject')).status).toBe(409);
    expect((await deleteContract(api.id, pending.id)).status).toBe(409);
    expect((await act(api.id, pending.id, 'revoke')).body).toMatchObject({ status: 'REVOKED', revokedDate: expect.any(String) });
    expect((await act(api.id, pending.id, 'restore')).body.status).toBe('APPROVED');
    expect((await act(api.id, pending.id, 'revoke')).body.status).toBe('REVOKED');
    expect((await deleteContract(api.id, pending.id)).status).toBe(204);
    expect((await contracts(api.id)).body.total).toBe(0);

    const rejected = (await requestAccess({ apiId: api.id, applicationName: 'Rejected consumer', tier: 'Gold' })).body.contract;
    expect((await act(api.id, rejected.id, 'reject')).body).toMatchObject({ status: 'REJECTED', rejectedDate: expect.any(String) });
    expect((await act(api.id, rejected.id, 'revoke')).status).toBe(409);
    expect((await deleteContract(api.id, rejected.id)).status).toBe(204);

    const unknown = await act(api.id, 1, 'approve');
    expect(unknown).toMatchObject({ status: 404, body: { name: 'NotFoundError' } });
    const badAction = await act(api.id, (await requestAccess({ apiId: api.id, applicationName: 'Odd consumer', tier: 'Silver' })).body.contract.id, 'suspend');
    expect(badAction).toMatchObject({ status: 404, body: { name: 'NotFoundError', message: expect.stringContaining('approve, reject, revoke or restore') } });
  });

  it('refuses a bad request before creating anything: unknown instance or tier, a missing tier, a bad grant, an unknown consumer', async () => {
    const { api } = await tieredInstance('bad-input');
    const before = await applicationCount();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ apiId: 999999999, applicationName: 'x', tier: 'Silver' }, 404, 'API instance 999999999 not found'],
      [{ apiId: api.id, applicationName: 'x', tier: 'Platinum' }, 404, 'Silver'],
      [{ apiId: api.id, applicationName: 'x' }, 400, 'choose one with tier'],
      [{ apiId: api.id, applicationName: 'x', tier: 'Silver', grantTypes: ['refresh_token'] }, 400, 'refresh_token requires'],
      [{ apiId: api.id, applicationName: 'x', tier: 'Silver', grantTypes: ['authorization_code'] }, 400, 'redirectUri is required'],
      [{ apiId: api.id, applicationName: 'x', tier: 'Silver', consumer: 'nobody' }, 400, 'No Anypoint user nobody'],
    ];
    for (const [body, status, message] of cases) {
      const res = await requestAccess(body);
      expect({ status: res.status, body: res.body }).toEqual({ status, body: { status, message: expect.stringContaining(message) } });
    }
    const invalid = await requestAccess({ apiId: api.id, tier: 'Silver' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('applicationName');
    expect(await applicationCount()).toBe(before);
    expect((await contracts(api.id)).body.total).toBe(0);
  });

  it('deleting the application as its consumer removes its contracts, while its client stays at the provider and still gets tokens', async () => {
    const { api } = await tieredInstance('deleted-app');
    const { application, contract } = (await requestAccess({ apiId: api.id, applicationName: 'Leaving consumer', tier: 'Silver' })).body;
    const kept = (await requestAccess({ apiId: api.id, applicationName: 'Staying consumer', tier: 'Silver' })).body;
    const deleted = await anypoint.delete(`/__sandbox/consumers/applications/${application.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ application: { id: application.id, name: 'Leaving consumer', clientId: application.clientId }, deletedContracts: [{ id: contract.id, apiId: api.id, status: 'APPROVED' }] });
    expect((await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications/${application.id}`)).status).toBe(404);
    expect((await contracts(api.id)).body).toMatchObject({ total: 1, contracts: [{ id: kept.contract.id }] });
    // The documented limitation: Anypoint does not delete what it registered.
    expect(await idp.client(application.clientId)).toMatchObject({ client_name: 'Leaving consumer' });
    expect(await idp.tokenFor({ clientId: application.clientId, clientSecret: application.clientSecret }, 'silver')).toEqual(expect.any(String));
    expect((await anypoint.delete(`/__sandbox/consumers/applications/${application.id}`))).toMatchObject({ status: 404, body: { status: 404 } });
  });
});
