import Fastify from 'fastify';
import { request } from 'undici';
import { RunningGateway, startGateway } from '../../../src/sandbox/gateway';
import { startUpstream } from '../../../src/sandbox/upstream';
import type { RunningSandbox } from '../../../src/sandbox/core';
import { AnypointTestClient, OIDC_POLICY, startAnypoint } from '../anypoint/support/anypoint-kit';
import { StrictProvider, startStrictProvider } from '../anypoint/support/strict-provider';

describe('Gateway: OpenID Connect access token enforcement', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let upstream: RunningSandbox<Record<string, never>>;
  let gateway: RunningGateway;
  let apiId: number;
  let silverPolicyId: number;
  let client: { clientId: string; clientSecret: string; id: number };

  async function call(path: string, token?: string, headers: Record<string, string> = {}) {
    const res = await request(`${gateway.url}${path}`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    [anypoint, idp, upstream] = await Promise.all([startAnypoint(), startStrictProvider(), startUpstream()]);
    gateway = await startGateway({ anypoint: anypoint.sandbox });
    const providerId = await anypoint.createClientProvider(idp);
    const api = await anypoint.createInstance({ providerId, endpoint: { deploymentType: 'CH', uri: `${upstream.url}/solar-system` } });
    apiId = api.id;
    await anypoint.post(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/deployments`, { type: 'CH', applicationName: 'solar-proxy', gatewayVersion: '4.4.0' });
    silverPolicyId = (await anypoint.post(`${anypoint.apis()}/${apiId}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'silver', maxCacheEntries: 2 }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/planets' }] })).body.id;
    await anypoint.post(`${anypoint.apis()}/${apiId}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'gold silver', scopeValidationCriteria: 'OR', exposeHeaders: true }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/moons.*' }] });
    client = (await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${apiId}`, { name: 'Silver', grantTypes: ['client_credentials'] })).body;
    await anypoint.post(`${anypoint.apis()}/${apiId}/contracts`, { applicationId: client.id, acceptedTerms: true });
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([anypoint.sandbox.close(), idp.close(), upstream.close()]);
  });

  it('lets a token with the scope and an approved contract through to the upstream', async () => {
    const res = await call('/solar-proxy/planets', await idp.tokenFor(client, 'silver'));
    expect(res.status).toBe(200);
    expect(res.body.map((p: { name: string }) => p.name)).toContain('Jupiter');
  });

  it('reads the token from the access_token query parameter too, and refuses both at once (400)', async () => {
    const token = await idp.tokenFor(client, 'silver');
    expect((await call(`/solar-proxy/planets?access_token=${token}`)).status).toBe(200);
    const both = await call(`/solar-proxy/planets?access_token=${token}`, token);
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('answers 401 with a Bearer challenge when no token is sent', async () => {
    const res = await call('/solar-proxy/planets');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="solar-proxy"');
    expect(res.body).toEqual({ error: 'unauthorized', error_description: expect.any(String) });
  });

  async function expiredToken() {
    const token = await idp.tokenFor(client, 'silver');
    await idp.expireTokens();
    return token;
  }

  it('answers 401 invalid_token for an unknown or expired token', async () => {
    const unknown = await call('/solar-proxy/planets', 'not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await call('/solar-proxy/planets', await expiredToken())).status).toBe(401);
  });

  it('answers 403 insufficient_scope with the required scopes, AND by default and OR when configured', async () => {
    const bronze = await call('/solar-proxy/planets', await idp.tokenFor(client, 'bronze'));
    expect(bronze.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(bronze.status).toBe(403);
    expect(bronze.body.error).toBe('insufficient_scope');
    expect(bronze.headers['www-authenticate']).toContain('scope="silver"');
    expect((await call('/solar-proxy/moons', await idp.tokenFor(client, 'silver'))).status).toBe(200);
    expect((await call('/solar-proxy/moons', await idp.tokenFor(client, 'bronze'))).status).toBe(403);
  });

  it('answers 403 invalid_client for a client without an approved contract', async () => {
    const stranger = await idp.registerServiceClient();
    const res = await call('/solar-proxy/planets', await idp.tokenFor({ clientId: stranger.client_id, clientSecret: stranger.client_secret }, 'silver'));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('invalid_client');
  });

  it('applies policies only where their pointcut matches', async () => {
    expect((await call('/solar-proxy')).status).toBe(200);
    expect((await call('/solar-proxy/planets/earth')).status).toBe(200);
  });

  it('caches introspection per token and bounds the cache (LRU of maxCacheEntries)', async () => {
    const tokens = [await idp.tokenFor(client, 'silver'), await idp.tokenFor(client, 'silver'), await idp.tokenFor(client, 'silver')];
    const before = await idp.introspections();
    await call('/solar-proxy/planets', tokens[0]);
    await call('/solar-proxy/planets', tokens[0]);
    expect((await idp.introspections()) - before).toBe(1);
    for (const t of tokens) await call('/solar-proxy/planets', t);
    const stats = ((await (await request(`${gateway.url}/__sandbox/introspection-cache`)).body.json()) as { policies: { policyId: number; size: number; capacity: number }[] }).policies;
    expect(stats.find((s) => s.policyId === silverPolicyId)).toMatchObject({ size: 2, capacity: 2 });
    const afterFill = await idp.introspections();
    await call('/solar-proxy/planets', tokens[0]);
    expect((await idp.introspections()) - afterFill).toBe(1);
  });

  it('re-checks contracts on every request: a revoked contract is refused at once even with a cached token', async () => {
    const token = await idp.tokenFor(client, 'silver');
    expect((await call('/solar-proxy/planets', token)).status).toBe(200);
    const contracts = (await anypoint.get(`${anypoint.apis()}/${apiId}/contracts`)).body.contracts;
    const xapi = `/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/contracts/${contracts[0].id}`;
    await anypoint.post(`${xapi}/revoke`);
    expect((await call('/solar-proxy/planets', token)).status).toBe(403);
    await anypoint.post(`${xapi}/restore`);
    expect((await call('/solar-proxy/planets', token)).status).toBe(200);
  });

  it('answers 500 when introspection answers something that is not RFC 7662 or fails, and 401 when it is down', async () => {
    const providers = (await anypoint.get(`/accounts/api/organizations/${anypoint.org}/clientProviders`)).body.data;
    const record = anypoint.sandbox.ctx.state.clientProviders.find((p) => p.providerId === providers[0].provider_id)!;
    const saved = record.urls.introspect;
    // A real provider does not answer garbage on purpose: an endpoint of this test's own stands in for a broken one.
    const broken = Fastify();
    broken.post('/introspect', async () => ({ hello: 'world' }));
    await broken.listen({ host: '127.0.0.1', port: 0 });
    try {
      record.urls.introspect = `http://127.0.0.1:${(broken.server.address() as { port: number }).port}/introspect`;
      const res = await call('/solar-proxy/planets', await idp.tokenFor(client, 'silver'));
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('server_error');
      record.urls.introspect = saved;
      await idp.sandbox.admin.addFault({ kind: 'error', method: 'POST', path: '/introspect$', status: 500, times: 1 });
      expect((await call('/solar-proxy/planets', await idp.tokenFor(client, 'silver'))).status).toBe(500);
      record.urls.introspect = 'http://127.0.0.1:9/introspect';
      const down = await call('/solar-proxy/planets', await idp.tokenFor(client, 'silver'));
      expect(down.status).toBe(401);
      expect(down.body.error_description).toContain('could not be reached');
    } finally {
      record.urls.introspect = saved;
      await broken.close();
    }
  });

  it('skips the contract check with skipClientIdValidation', async () => {
    await anypoint.patch(`${anypoint.apis()}/${apiId}/policies/${silverPolicyId}`, { configurationData: { scopes: 'silver', skipClientIdValidation: true } });
    const stranger = await idp.registerServiceClient();
    expect((await call('/solar-proxy/planets', await idp.tokenFor({ clientId: stranger.client_id, clientSecret: stranger.client_secret }, 'silver'))).status).toBe(200);
  });
});
