import { request } from 'undici';
import { AllSandboxes, startAllSandboxes } from '../../../src/sandbox';
import { AnypointTestClient, OIDC_POLICY } from '../anypoint/support/anypoint-kit';
import { OktaAdmin, oktaClientProvider } from './okta-support';

/*
 * The consumer flow of issue 9 on the Okta and Anypoint sandboxes: Request access registers a client in Okta,
 * the tier decides the contract's state and the gateway's quota, and deleting the application in Exchange leaves
 * its Okta client working (the limitation the product has to close).
 */
describe('A consumer requesting access on the Okta-backed solar-system API', () => {
  let all: AllSandboxes;
  let okta: OktaAdmin;
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    all = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    okta = new OktaAdmin(all.okta.url, all.okta.apiToken);
    anypoint = new AnypointTestClient(all.sandboxes.anypoint);
    await anypoint.login();
  });
  afterAll(() => all?.close());

  it('registers each request in Okta, approves or holds it by tier, limits it at the gateway, and leaves the Okta client behind when the application is deleted', async () => {
    const { issuer, providerId } = await oktaClientProvider(okta, anypoint);
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'consumers', endpoint: { deploymentType: 'CH', type: 'raml', uri: all.upstream.url } });
    await anypoint.post(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/deployments`, { type: 'CH', applicationName: 'consumer-proxy' });
    await anypoint.post(`${anypoint.apis()}/${api.id}/tiers`, { name: 'Silver', status: 'ACTIVE', autoApprove: true, limits: [{ maximumRequests: 2, timePeriodInMilliseconds: 60000, visible: true }] });
    await anypoint.post(`${anypoint.apis()}/${api.id}/tiers`, { name: 'Gold', status: 'ACTIVE', autoApprove: false, limits: [{ maximumRequests: 100, timePeriodInMilliseconds: 60000, visible: true }] });
    await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'silver', skipClientIdValidation: false }, pointcutData: null });
    const sla = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, {
      groupId: OIDC_POLICY.groupId, assetId: 'rate-limiting-sla-based', assetVersion: '1.3.1',
      configurationData: { clientIdExpression: "#[authentication.properties['client_id']]", exposeHeaders: true }, pointcutData: null,
    });
    expect(sla.status).toBe(201);

    const silver = await anypoint.post('/__sandbox/consumers/request-access', { apiId: api.id, applicationName: 'Silver consumer', tier: 'Silver' });
    const gold = await anypoint.post('/__sandbox/consumers/request-access', { apiId: api.id, applicationName: 'Gold consumer', tier: 'Gold' });
    expect([silver.body.contract.status, gold.body.contract.status]).toEqual(['APPROVED', 'PENDING']);
    for (const { application } of [silver.body, gold.body]) {
      expect((await okta.call('GET', `/oauth2/v1/clients/${application.clientId}`)).body).toMatchObject({ client_id: application.clientId, client_name: application.name });
    }

    // One list call tells a watcher everything: state, tier (or requested tier), application and its Okta client id.
    const list = (await anypoint.get(`${anypoint.apis()}/${api.id}/contracts`)).body;
    expect(list.contracts.map((c: { status: string; tier?: { name: string }; requestedTier?: { name: string }; application: { clientId: string } }) => [c.status, c.tier?.name ?? null, c.requestedTier?.name, c.application.clientId])).toEqual([
      ['APPROVED', 'Silver', 'Silver', silver.body.application.clientId],
      ['PENDING', null, 'Gold', gold.body.application.clientId],
    ]);

    const tokenOf = async (app: { clientId: string; clientSecret: string }) => (await okta.clientCredentialsToken(issuer, app.clientId, app.clientSecret, 'silver')).body.access_token as string;
    const planets = async (token: string) => {
      const res = await request(`${all.gateway.url}/consumer-proxy/planets`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.body.json()) as { error?: string };
      return { status: res.statusCode, remaining: res.headers['x-ratelimit-remaining'], error: body.error };
    };
    const silverToken = await tokenOf(silver.body.application);
    expect([await planets(silverToken), await planets(silverToken), await planets(silverToken)]).toEqual([
      { status: 200, remaining: '1', error: undefined },
      { status: 200, remaining: '0', error: undefined },
      { status: 429, remaining: '0', error: 'too_many_requests' },
    ]);
    // A pending contract gets nothing through, whatever Okta issues.
    expect(await planets(await tokenOf(gold.body.application))).toMatchObject({ status: 403, error: 'invalid_client' });

    const deleted = await anypoint.delete(`/__sandbox/consumers/applications/${silver.body.application.id}`);
    expect(deleted.body.deletedContracts).toEqual([{ id: silver.body.contract.id, apiId: api.id, status: 'APPROVED' }]);
    expect((await anypoint.get(`${anypoint.apis()}/${api.id}/contracts`)).body.total).toBe(1);
    // The gateway stops the client, but Okta still knows it and still issues it tokens.
    expect(await planets(silverToken)).toMatchObject({ status: 403, error: 'invalid_client' });
    expect((await okta.call('GET', `/oauth2/v1/clients/${silver.body.application.clientId}`)).status).toBe(200);
    expect(await tokenOf(silver.body.application)).toEqual(expect.any(String));
  });
});
