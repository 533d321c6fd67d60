import Fastify, { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { RunningGateway, startGateway } from '../../../src/sandbox/gateway';
import { AnypointTestClient, OIDC_POLICY, startAnypoint } from '../anypoint/support/anypoint-kit';
import { StrictProvider, startStrictProvider } from '../anypoint/support/strict-provider';

/** An upstream that answers with what it received. */
async function startEcho(): Promise<{ url: string; app: FastifyInstance }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.all('/*', async (req) => ({ method: req.method, url: req.url, headers: req.headers, body: req.body ?? null }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, app };
}

describe('Gateway routing and the other policies', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let echo: { url: string; app: FastifyInstance };
  let gateway: RunningGateway;
  let providerId: string;

  const deploy = async (apiId: number, applicationName: string) =>
    anypoint.post(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/deployments`, { type: 'CH', applicationName });

  async function call(path: string, opts: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}) {
    const res = await request(`${gateway.url}${path}`, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    [anypoint, idp, echo] = await Promise.all([startAnypoint(), startStrictProvider(), startEcho()]);
    gateway = await startGateway({ anypoint: anypoint.sandbox });
    providerId = await anypoint.createClientProvider(idp);
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([anypoint.sandbox.close(), idp.close(), echo.app.close()]);
  });

  it('answers 404 for a proxy nobody deployed', async () => {
    const res = await call('/nobody-home/planets');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });

  it('forwards method, path below the application name, query, body and headers to endpoint.uri', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'echo', endpoint: { deploymentType: 'CH', uri: `${echo.url}/base` } });
    await deploy(api.id, 'echo-proxy');
    const res = await call('/echo-proxy/things/42?x=1&y=two', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-custom': 'kept' }, body: 'payload' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'POST', url: '/base/things/42?x=1&y=two', body: 'payload', headers: { 'x-custom': 'kept', 'x-forwarded-proto': 'http' } });
    expect((await anypoint.get(`${anypoint.apis()}/${api.id}`)).body.endpointUri).toBe(`${gateway.url}/echo-proxy`);
  });

  it('stops serving a proxy once undeployed, and answers 502 when the upstream is down', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'down', endpoint: { deploymentType: 'CH', uri: 'http://127.0.0.1:9/nowhere' } });
    const d = (await deploy(api.id, 'down-proxy')).body;
    expect((await call('/down-proxy/x')).status).toBe(502);
    await anypoint.patch(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/deployments/${d.id}`, { expectedStatus: 'undeployed' });
    expect((await call('/down-proxy/x')).status).toBe(404);
  });

  it('exposes the introspection fields to the upstream as x-agw headers when asked', async () => {
    const api = await anypoint.createInstance({ providerId, instanceLabel: 'exposed', endpoint: { deploymentType: 'CH', uri: echo.url } });
    await deploy(api.id, 'exposed-proxy');
    await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { ...OIDC_POLICY, configurationData: { scopes: 'silver', exposeHeaders: true, skipClientIdValidation: true }, pointcutData: null });
    const c = await idp.registerServiceClient();
    const res = await call('/exposed-proxy/planets', { headers: { authorization: `Bearer ${await idp.tokenFor({ clientId: c.client_id, clientSecret: c.client_secret }, 'silver')}` } });
    expect(res.status).toBe(200);
    expect(res.body.headers).toMatchObject({ 'x-agw-client-id': c.client_id, 'x-agw-scope': 'silver', 'x-agw-active': 'true' });
  });

  it('enforces client-id enforcement against applications with an approved contract', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'client-id', endpoint: { deploymentType: 'CH', uri: echo.url } });
    await deploy(api.id, 'client-id-proxy');
    await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, {
      groupId: OIDC_POLICY.groupId, assetId: 'client-id-enforcement', assetVersion: '1.3.2',
      configurationData: { credentialsOriginHasHttpBasicAuthenticationHeader: 'customExpression', clientIdExpression: "#[attributes.headers['client_id']]", clientSecretExpression: "#[attributes.headers['client_secret']]" },
      pointcutData: null,
    });
    const app = (await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${api.id}`, { name: 'Native client' })).body;
    expect((await call('/client-id-proxy/x', { headers: { client_id: app.clientId, client_secret: app.clientSecret } })).status).toBe(401);
    await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.id, acceptedTerms: true });
    expect((await call('/client-id-proxy/x', { headers: { client_id: app.clientId, client_secret: app.clientSecret } })).status).toBe(200);
    expect((await call('/client-id-proxy/x', { headers: { client_id: app.clientId, client_secret: 'wrong' } })).status).toBe(401);
    expect((await call('/client-id-proxy/x')).body.error).toBe('invalid_client');
  });

  it('enforces rate limiting with x-ratelimit headers when exposed', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'limited', endpoint: { deploymentType: 'CH', uri: echo.url } });
    await deploy(api.id, 'limited-proxy');
    await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, {
      groupId: OIDC_POLICY.groupId, assetId: 'rate-limiting', assetVersion: '1.4.0',
      configurationData: { rateLimits: [{ maximumRequests: 2, timePeriodInMilliseconds: 60000 }], exposeHeaders: true }, pointcutData: null,
    });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await call('/limited-proxy/x'));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(seen.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['1', '0', '0']);
  });
});
