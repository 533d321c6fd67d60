import Fastify, { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { RunningGateway, startGateway } from '../../../src/sandbox/gateway';
import { AnypointTestClient, expectResponseMatchesSpec, OIDC_POLICY, specs, startAnypoint } from '../anypoint/support/anypoint-kit';
import { StrictProvider, startStrictProvider } from '../anypoint/support/strict-provider';

const SLA_POLICY = { groupId: OIDC_POLICY.groupId, assetId: 'rate-limiting-sla-based', assetVersion: '1.3.1' };
const TOKEN_CLIENT = "#[authentication.properties['client_id']]";

/*
 * The "Rate limiting - SLA based" policy at the gateway: each client's tier limits, 429 past them with the
 * X-Ratelimit headers, recovery once the window ends, and only for clients with an approved contract.
 */
describe('Gateway: SLA-based rate limiting by contract tier', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let upstream: FastifyInstance;
  let upstreamUrl: string;
  let gateway: RunningGateway;
  let providerId: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    upstream = Fastify({ logger: false, forceCloseConnections: true });
    upstream.get('/*', async () => ({ ok: true }));
    await upstream.listen({ host: '127.0.0.1', port: 0 });
    upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
    gateway = await startGateway({ anypoint: anypoint.sandbox });
    providerId = await anypoint.createClientProvider(idp);
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([anypoint.sandbox.close(), idp.close(), upstream.close()]);
  });

  /** A deployed instance with tiers (name → [maximumRequests, timePeriodInMilliseconds, autoApprove]) and policies. */
  async function limitedApi(name: string, tiers: Record<string, [number, number, boolean]>, policies: Record<string, unknown>[]) {
    const api = await anypoint.createInstance({ providerId, instanceLabel: name, endpoint: { deploymentType: 'CH', uri: upstreamUrl } });
    await anypoint.post(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/deployments`, { type: 'CH', applicationName: name });
    for (const [tier, [maximumRequests, timePeriodInMilliseconds, autoApprove]] of Object.entries(tiers)) {
      await anypoint.post(`${anypoint.apis()}/${api.id}/tiers`, { name: tier, status: 'ACTIVE', autoApprove, limits: [{ maximumRequests, timePeriodInMilliseconds, visible: true }] });
    }
    for (const policy of policies) {
      const applied = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { pointcutData: null, ...policy });
      if (applied.status !== 201) throw new Error(`policy: ${applied.status} ${JSON.stringify(applied.body)}`);
    }
    return api;
  }

  const requestAccess = async (apiId: number, applicationName: string, tier: string) => (await anypoint.post('/__sandbox/consumers/request-access', { apiId, applicationName, tier })).body;
  const tokenOf = (app: { clientId: string; clientSecret: string }) => idp.tokenFor(app, 'silver');

  async function call(path: string, headers: Record<string, string>) {
    const res = await request(`${gateway.url}${path}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
  const rateHeaders = (res: { headers: Record<string, unknown> }) => ({ limit: res.headers['x-ratelimit-limit'], remaining: res.headers['x-ratelimit-remaining'] });

  it('lets each client make its tier\'s requests per window, answers 429 past them, and lets it through again after the window', async () => {
    const window = 1500;
    const api = await limitedApi('sla-oidc', { Bronze: [3, window, true], Gold: [5, 60000, true] }, [
      { ...OIDC_POLICY, configurationData: { scopes: 'silver', skipClientIdValidation: false } },
      { ...SLA_POLICY, configurationData: { clientIdExpression: TOKEN_CLIENT, exposeHeaders: true } },
    ]);
    const bronze = await requestAccess(api.id, 'Bronze consumer', 'Bronze');
    const gold = await requestAccess(api.id, 'Gold consumer', 'Gold');
    const bronzeAuth = { authorization: `Bearer ${await tokenOf(bronze.application)}` };
    const goldAuth = { authorization: `Bearer ${await tokenOf(gold.application)}` };

    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await call('/sla-oidc/planets', bronzeAuth));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(seen.map(rateHeaders)).toEqual([
      { limit: '3', remaining: '2' },
      { limit: '3', remaining: '1' },
      { limit: '3', remaining: '0' },
      { limit: '3', remaining: '0' },
    ]);
    const refused = seen[3];
    expect(refused.body).toEqual({ error: 'too_many_requests', error_description: expect.stringContaining('Bronze') });
    const resetMs = Number(refused.headers['x-ratelimit-reset']);
    expect(resetMs).toBeGreaterThan(0);
    expect(resetMs).toBeLessThanOrEqual(window);

    // Another client's quota is its own, from its own tier.
    const goldCall = await call('/sla-oidc/planets', goldAuth);
    expect({ status: goldCall.status, ...rateHeaders(goldCall) }).toEqual({ status: 200, limit: '5', remaining: '4' });

    await new Promise((resolve) => setTimeout(resolve, resetMs + 50));
    const recovered = await call('/sla-oidc/planets', bronzeAuth);
    expect({ status: recovered.status, ...rateHeaders(recovered) }).toEqual({ status: 200, limit: '3', remaining: '2' });
  });

  it('limits only clients with an approved contract: no contract or a pending one is refused as invalid_client before any quota is spent', async () => {
    const api = await limitedApi('sla-headers', { Free: [2, 60000, true], Partner: [2, 60000, false] }, [
      { ...SLA_POLICY, configurationData: { clientIdExpression: "#[attributes.headers['client_id']]", clientSecretExpression: "#[attributes.headers['client_secret']]", exposeHeaders: false } },
    ]);
    const free = (await requestAccess(api.id, 'Free consumer', 'Free')).application;
    const partner = await requestAccess(api.id, 'Partner consumer', 'Partner');
    const stranger = await idp.registerServiceClient('no contract');
    const as = (app: { clientId: string; clientSecret: string }) => ({ client_id: app.clientId, client_secret: app.clientSecret });

    expect((await call('/sla-headers/x', {})).body.error).toBe('invalid_client');
    expect((await call('/sla-headers/x', { client_id: stranger.client_id, client_secret: stranger.client_secret })).status).toBe(401);
    expect((await call('/sla-headers/x', as(partner.application))).status).toBe(401);
    expect((await call('/sla-headers/x', { ...as(free), client_secret: 'wrong' })).status).toBe(401);

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await call('/sla-headers/x', as(free)));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    // exposeHeaders off: the quota is enforced, not announced.
    expect(statuses.every((r) => r.headers['x-ratelimit-limit'] === undefined)).toBe(true);

    await anypoint.post(`/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/contracts/${partner.contract.id}/approve`);
    expect((await call('/sla-headers/x', as(partner.application))).status).toBe(200);
  });

  it('starts a client\'s windows afresh when its tier changes, and refuses it once its contract is revoked', async () => {
    const api = await limitedApi('sla-changes', { Small: [1, 60000, true], Large: [3, 60000, true] }, [
      { ...SLA_POLICY, configurationData: { clientIdExpression: "#[attributes.headers['client_id']]", exposeHeaders: true } },
    ]);
    const { application, contract } = await requestAccess(api.id, 'Growing consumer', 'Small');
    const headers = { client_id: application.clientId };
    expect((await call('/sla-changes/x', headers)).status).toBe(200);
    expect((await call('/sla-changes/x', headers)).status).toBe(429);
    const large = (await anypoint.get(`${anypoint.apis()}/${api.id}/tiers`)).body.tiers.find((t: { name: string }) => t.name === 'Large');
    expect((await anypoint.patch(`${anypoint.apis()}/${api.id}/contracts/${contract.id}`, { tierId: large.id })).status).toBe(200);
    const moved = await call('/sla-changes/x', headers);
    expect({ status: moved.status, ...rateHeaders(moved) }).toEqual({ status: 200, limit: '3', remaining: '2' });
    await anypoint.post(`/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/contracts/${contract.id}/revoke`);
    expect((await call('/sla-changes/x', headers))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('is a policy template of its own, refused next to client ID enforcement as the platform does', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'sla-clash' });
    const templates = await anypoint.get(`/apimanager/xapi/v1/organizations/${anypoint.org}/exchange-policy-templates?apiInstanceId=${api.id}`);
    expect(templates.body).toEqual(expect.arrayContaining([expect.objectContaining({ assetId: 'rate-limiting-sla-based', version: '1.3.1', providedCharacteristics: ['Client ID required'] })]));
    const clientId = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { groupId: OIDC_POLICY.groupId, assetId: 'client-id-enforcement', assetVersion: '1.3.2', configurationData: {}, pointcutData: null });
    expect(clientId.status).toBe(201);
    const sla = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { ...SLA_POLICY, configurationData: {}, pointcutData: null });
    expect(sla.status).toBe(400);
    expect(sla.body).toEqual({ name: 'PolicyValidationError', message: expect.stringContaining('There is another policy applied with the same provided characteristics') });
    const badConfig = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { ...SLA_POLICY, configurationData: { exposeHeaders: 'yes' }, pointcutData: null });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.errors).toEqual([expect.objectContaining({ path: '/body/configurationData/exposeHeaders' })]);
    const listed = await anypoint.get(`${anypoint.apis()}/${api.id}/policies`);
    expectResponseMatchesSpec(specs.policy(), 'GetApimPolicies', 200, listed.body);
    expect(listed.body.map((p: { assetId: string }) => p.assetId)).toEqual(['client-id-enforcement']);
  });
});
