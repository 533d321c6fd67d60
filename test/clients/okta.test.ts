import { ExternalApiError } from '../../src/clients/errors';
import { OktaClient } from '../../src/clients/okta';
import { caught, everything, json, mockAgent, startFakeServer, type FakeServer, type RecordedRequest, type Route } from './http-fakes';

const TOKEN = '00TestApiToken_abcdefghijklmnopqrstuvwxyz';
const CLIENT_SECRET = 'client-secret-VALUE-1234567890';

function group(id: string, name: string, type = 'OKTA_GROUP') {
  return { id, type, profile: { name, description: '' }, objectClass: ['okta:user_group'] };
}

function oidcApp(id: string, label: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: 'oidc_client',
    label,
    status: 'ACTIVE',
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { client_id: id, token_endpoint_auth_method: 'client_secret_basic', autoKeyRotation: true } },
    settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'], redirect_uris: [] } },
    ...extra,
  };
}

/** Management API calls, through the official SDK, against a local server. */
describe('OktaClient over the SDK', () => {
  let server: FakeServer;
  let route: Route;
  let okta: OktaClient;

  beforeAll(async () => {
    server = await startFakeServer((req, base) => route(req, base));
    // The trailing slash must not turn into `//api/v1/...`.
    okta = new OktaClient({ orgUrl: `${server.url}/`, apiToken: TOKEN });
  });
  afterAll(async () => {
    await okta.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  const paths = () => server.requests.map((r: RecordedRequest) => `${r.method} ${r.url}`);

  it('authenticates with SSWS and sends no double slash', async () => {
    route = (req) => (req.url === '/api/v1/users/me' ? { body: { id: '00u1', profile: { login: 'admin@example.com' } } } : undefined);
    await expect(okta.verifyApiToken()).resolves.toEqual({ userId: '00u1', login: 'admin@example.com' });
    expect(server.requests[0].headers.authorization).toBe(`SSWS ${TOKEN}`);
    expect(paths()).toEqual(['GET /api/v1/users/me']);
  });

  it('finds a group by exact name across pages, ignoring prefix matches', async () => {
    route = (req, base) => {
      if (req.url.startsWith('/api/v1/groups?') && req.url.includes('q=silverSubscribers') && !req.url.includes('after=')) {
        return {
          headers: { link: `<${base}/api/v1/groups?q=silverSubscribers&limit=200&after=00g2>; rel="next"` },
          body: [group('00g1', 'silverSubscribersArchive'), group('00g2', 'silverSubscribers2')],
        };
      }
      if (req.url.includes('after=00g2')) return { body: [group('00g3', 'silverSubscribers', 'APP_GROUP'), group('00g4', 'silverSubscribers')] };
      return undefined;
    };
    await expect(okta.findGroupByName('silverSubscribers')).resolves.toMatchObject({ id: '00g4', profile: { name: 'silverSubscribers' } });
    expect(paths()).toEqual(['GET /api/v1/groups?q=silverSubscribers&limit=200', 'GET /api/v1/groups?q=silverSubscribers&limit=200&after=00g2']);
  });

  it('falls back to search when the prefix query answered a full page without the group', async () => {
    const okta = new OktaClient({ orgUrl: `${server.url}/`, apiToken: TOKEN, pageSize: 1 });
    route = (req) => {
      if (req.url.includes('q=gold')) return { body: [group('00g5', 'goldSubscribersOld')] };
      if (req.url.includes('search=')) return { body: [group('00g6', 'goldSubscribers')] };
      return undefined;
    };
    await expect(okta.findGroupByName('goldSubscribers')).resolves.toMatchObject({ id: '00g6' });
    expect(decodeURIComponent(server.requests[1].url)).toContain('search=profile.name eq "goldSubscribers"');
  });

  it('a group that does not exist costs one list call when the prefix query listed every match', async () => {
    route = (req) => (req.url.includes('q=gold') ? { body: [group('00g5', 'goldSubscribersOld')] } : undefined);
    await expect(okta.findGroupByName('goldSubscribers')).resolves.toBeUndefined();
    expect(paths()).toEqual(['GET /api/v1/groups?q=goldSubscribers&limit=200']);
  });

  it('finds the OIDC app with exactly that label on a later page', async () => {
    route = (req, base) => {
      if (req.url.startsWith('/api/v1/apps?') && !req.url.includes('after=')) {
        return {
          headers: { link: `<${base}/api/v1/apps?after=0oa2&limit=200>; rel="next", <${base}/api/v1/apps?limit=200>; rel="self"` },
          body: [oidcApp('0oa1', 'Anypoint introspection client (old)'), { ...oidcApp('0oa2', 'Anypoint introspection client'), name: 'bookmark', signOnMode: 'BOOKMARK' }],
        };
      }
      if (req.url.includes('after=0oa2')) return { body: [oidcApp('0oa3', 'Anypoint introspection client')] };
      return undefined;
    };
    const app = await okta.findOidcAppByLabel('Anypoint introspection client');
    expect(app).toMatchObject({ id: '0oa3', label: 'Anypoint introspection client', settings: { oauthClient: { application_type: 'service' } } });
    expect(server.requests).toHaveLength(2);
  });

  it('maps E0000011 to an auth error that names okta.apiToken and never the token', async () => {
    route = () => ({ status: 401, body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorId: 'oaeX', errorCauses: [] } });
    const err = await caught(okta.verifyApiToken());
    expect(err).toBeInstanceOf(ExternalApiError);
    expect(err).toMatchObject({ system: 'okta', kind: 'auth', status: 401, code: 'E0000011', retryable: false, operation: 'verify the Okta API token' });
    expect((err as ExternalApiError).fix).toBe('Check the Okta API token referenced by okta.apiToken; it is invalid or revoked.');
    expect(everything(err)).not.toContain(TOKEN);
  });

  it('maps E0000047 to a rate limit whose wait is the reset measured against the Date header, without retrying', async () => {
    const date = 'Mon, 23 Nov 2026 09:00:00 GMT';
    const reset = Date.parse(date) / 1000 + 42;
    route = () => ({
      status: 429,
      headers: { date, 'x-rate-limit-limit': '20', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorCauses: [] },
    });
    const err = (await caught(okta.findAuthorizationServerByName('solar-system'))) as ExternalApiError;
    expect(err).toMatchObject({ kind: 'rate_limited', code: 'E0000047', status: 429, retryAfterMs: 42_000, retryable: true });
    // A reset 42 s away is left to the activity's retry: the SDK's own 429 retry is off, and the
    // client waits out only short resets.
    expect(server.requests).toHaveLength(1);
  });

  it('retries a read (SDK list, raw GET) on 5xx and a short 429 inside the call, but sends a write once', async () => {
    let failures = 0;
    const date = () => new Date().toUTCString();
    route = (req) => {
      if (req.method === 'GET' && req.url.startsWith('/api/v1/authorizationServers') && failures < 2) {
        failures++;
        return failures === 1
          ? { status: 503, body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] } }
          : { status: 429, headers: { date: date(), 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000)) }, body: { errorCode: 'E0000047', errorSummary: 'rate limit', errorCauses: [] } };
      }
      if (req.method === 'GET' && req.url.startsWith('/api/v1/authorizationServers')) return { body: [{ id: 'aus1', name: 'solar-system', audiences: ['api://solar'] }] };
      if (req.method === 'GET' && req.url === '/api/v1/apps/0oa1') return failures++ < 3 ? { status: 500, body: {} } : { body: oidcApp('0oa1', 'x') };
      if (req.method === 'POST' && req.url === '/api/v1/groups') return { status: 503, body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] } };
      return undefined;
    };
    await expect(okta.findAuthorizationServerByName('solar-system')).resolves.toMatchObject({ id: 'aus1' });
    expect(paths().filter((p) => p.startsWith('GET /api/v1/authorizationServers'))).toHaveLength(3);
    await expect(okta.getAppRaw('0oa1')).resolves.toMatchObject({ id: '0oa1' });
    expect(paths().filter((p) => p === 'GET /api/v1/apps/0oa1')).toHaveLength(2);
    await expect(caught(okta.createGroup({ name: 'g' }))).resolves.toMatchObject({ kind: 'server', retryable: true });
    expect(paths().filter((p) => p === 'POST /api/v1/groups')).toHaveLength(1);
  });

  it('adopts the existing group when create answers E0000001 "already exists"', async () => {
    route = (req) => {
      if (req.method === 'POST' && req.url === '/api/v1/groups') {
        return {
          status: 400,
          body: { errorCode: 'E0000001', errorSummary: 'Api validation failed: name', errorCauses: [{ errorSummary: 'name: An object with this field already exists in the current organization' }] },
        };
      }
      if (req.url.includes('q=goldSubscribers')) return { body: [group('00g9', 'goldSubscribers')] };
      return undefined;
    };
    await expect(okta.createGroup({ name: 'goldSubscribers', description: 'gold' })).resolves.toMatchObject({ id: '00g9' });
    expect(JSON.parse(server.requests[0].body)).toEqual({ profile: { name: 'goldSubscribers', description: 'gold' } });
  });

  it('maps other E0000001 errors to validation errors carrying Okta\'s causes', async () => {
    route = () => ({ status: 400, body: { errorCode: 'E0000001', errorSummary: 'Api validation failed: conditions.people', errorCauses: [{ errorSummary: 'conditions.people: At least one group must be given' }] } });
    const err = (await caught(okta.createRule('aus1', '00p1', { name: 'r' }))) as ExternalApiError;
    expect(err).toMatchObject({ kind: 'validation', code: 'E0000001', retryable: false });
    expect(err.message).toBe('Okta: create policy rule failed (HTTP 400 E0000001): Api validation failed: conditions.people — conditions.people: At least one group must be given');
    expect(err.fix).toContain('tenant file');
  });

  it('sends policies and rules with their types, and scopes with Okta\'s `default` field', async () => {
    route = (req) => {
      if (req.method === 'POST' && req.url.endsWith('/scopes')) return { status: 201, body: { id: 'scp1', ...JSON.parse(req.body), system: false } };
      if (req.method === 'POST' && req.url.endsWith('/policies')) return { status: 201, body: { id: '00p1', ...JSON.parse(req.body) } };
      return undefined;
    };
    const scope = await okta.createScope('aus1', { name: 'silver', description: 'Silver', consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', default: false });
    expect(JSON.parse(server.requests[0].body)).toEqual({ name: 'silver', description: 'Silver', consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', default: false });
    expect(scope).toMatchObject({ id: 'scp1', name: 'silver', default: false });
    await okta.createPolicy('aus1', { name: 'p', description: 'd', priority: 1, status: 'ACTIVE', conditions: { clients: { include: ['ALL_CLIENTS'] } } });
    expect(JSON.parse(server.requests[1].body)).toMatchObject({ type: 'OAUTH_AUTHORIZATION_POLICY', conditions: { clients: { include: ['ALL_CLIENTS'] } } });
  });

  it('deactivates an app before deleting it, and counts an app already gone as deleted', async () => {
    route = (req) => (req.url.startsWith('/api/v1/apps/0oa1') ? { status: req.method === 'DELETE' ? 204 : 200, body: req.method === 'DELETE' ? undefined : {} } : undefined);
    await okta.deleteApp('0oa1');
    expect(paths()).toEqual(['POST /api/v1/apps/0oa1/lifecycle/deactivate', 'DELETE /api/v1/apps/0oa1']);
    server.requests.length = 0;
    route = () => undefined;
    await expect(okta.deleteApp('0oaGone')).resolves.toBeUndefined();
    expect(paths()).toEqual(['POST /api/v1/apps/0oaGone/lifecycle/deactivate']);
  });

  it('reads a group assignment as a boolean, and assigns with an idempotent PUT', async () => {
    route = (req) => {
      if (req.url === '/api/v1/apps/0oa1/groups/00g1') return req.method === 'PUT' ? { body: { id: '00g1', priority: 0 } } : { body: { id: '00g1' } };
      return undefined;
    };
    await expect(okta.getAppGroupAssignment('0oa1', '00g1')).resolves.toBe(true);
    await expect(okta.getAppGroupAssignment('0oa1', '00g2')).resolves.toBe(false);
    await okta.assignGroupToApp('0oa1', '00g1');
    expect(server.requests[2]).toMatchObject({ method: 'PUT', url: '/api/v1/apps/0oa1/groups/00g1' });
  });

  it('answers undefined for a missing authorization server, and classifies an HTML 502 as a server error', async () => {
    route = () => undefined;
    await expect(okta.getAuthorizationServer('ausMissing')).resolves.toBeUndefined();
    route = () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' });
    await expect(caught(okta.listScopes('aus1'))).resolves.toMatchObject({ kind: 'server', status: 502, retryable: true });
  });

  it('writes back a resource it read (dates as strings, server fields) through the SDK', async () => {
    const stored = {
      id: 'aus1',
      name: 'solar-system',
      description: 'Solar system API',
      audiences: ['api://solar-system'],
      issuer: `${server.url}/oauth2/aus1`,
      status: 'ACTIVE',
      created: '2026-11-23T09:00:00.000Z',
      lastUpdated: '2026-11-23T09:00:00.000Z',
      credentials: { signing: { rotationMode: 'AUTO', kid: 'k1', lastRotated: '2026-11-23T09:00:00.000Z', nextRotation: '2027-02-21T09:00:00.000Z' } },
      _links: { self: { href: `${server.url}/api/v1/authorizationServers/aus1` } },
    };
    route = (req) => (req.url === '/api/v1/authorizationServers/aus1' ? { body: req.method === 'PUT' ? { ...stored, ...JSON.parse(req.body) } : stored } : undefined);
    const read = (await okta.getAuthorizationServer('aus1'))!;
    expect(read.created).toBe('2026-11-23T09:00:00.000Z');
    await okta.replaceAuthorizationServer('aus1', { ...read, description: 'v2' });
    const sent = JSON.parse(server.requests[1].body);
    expect(sent).toMatchObject({ name: 'solar-system', description: 'v2', audiences: ['api://solar-system'], credentials: { signing: { lastRotated: expect.stringMatching(/^2026-11-23T09:00:00/) } } });
    expect(sent).not.toHaveProperty('_links');
    expect(sent).not.toHaveProperty('created');
  });

  it('lets a defect surface as itself, not as a network error', async () => {
    route = () => ({ body: {} });
    const err = await caught(okta.replaceAuthorizationServer('aus1', { name: 'x', audiences: ['a'], credentials: { signing: { lastRotated: 'yesterday' } } }));
    expect(err).toBeInstanceOf(TypeError);
  });

  it('creates a confidential web app without PKCE, and returns it without its client secret', async () => {
    route = (req) => {
      if (req.method === 'POST' && req.url.startsWith('/api/v1/apps')) {
        const body = JSON.parse(req.body);
        return { body: { ...body, id: '0oaW', status: 'ACTIVE', credentials: { oauthClient: { ...body.credentials.oauthClient, client_id: '0oaW', client_secret: CLIENT_SECRET } } } };
      }
      return undefined;
    };
    const app = await okta.createOidcApp({ label: 'Anypoint Platform SSO', applicationType: 'web', grantTypes: ['authorization_code'], responseTypes: ['code'], redirectUris: ['http://localhost/pending'] });
    expect(server.requests[0].url).toBe('/api/v1/apps?activate=true');
    expect(JSON.parse(server.requests[0].body)).toMatchObject({
      name: 'oidc_client',
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', pkce_required: false } },
      settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['http://localhost/pending'], consent_method: 'TRUSTED' } },
    });
    expect(app).toMatchObject({ id: '0oaW', credentials: { oauthClient: { client_id: '0oaW' } } });
    expect(JSON.stringify(app)).not.toContain(CLIENT_SECRET);
  });

  it('reads the active client secret from the secrets endpoint', async () => {
    route = (req) =>
      req.url === '/api/v1/apps/0oa1/credentials/secrets'
        ? { body: [{ id: 'ocs1', status: 'INACTIVE', client_secret: 'old-secret-value', created: '2026-01-01T00:00:00.000Z' }, { id: 'ocs2', status: 'ACTIVE', client_secret: CLIENT_SECRET, created: '2026-02-01T00:00:00.000Z' }] }
        : undefined;
    await expect(okta.getClientSecret('0oa1')).resolves.toBe(CLIENT_SECRET);
  });
});

describe('OktaClient when Okta cannot be reached', () => {
  it('classifies a refused connection as a network error', async () => {
    const closed = await startFakeServer(() => undefined);
    await closed.close();
    const okta = new OktaClient({ orgUrl: closed.url, apiToken: TOKEN, timeoutMs: 2000 });
    const err = await caught(okta.verifyApiToken());
    expect(err).toMatchObject({ kind: 'network', retryable: true });
    expect(everything(err)).not.toContain(TOKEN);
    await okta.close();
  });
});

/** DCR, OAuth endpoints and raw app documents, through undici, against MockAgent. */
describe('OktaClient over undici', () => {
  const ORG = 'http://okta.test';
  let agent: ReturnType<typeof mockAgent>;
  let okta: OktaClient;

  beforeEach(() => {
    agent = mockAgent();
    okta = new OktaClient({ orgUrl: ORG, apiToken: TOKEN, dispatcher: agent });
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  const tokenPath = '/oauth2/aus1/v1/token';

  it('requests a client_credentials token with HTTP Basic and no Origin header', async () => {
    let seen: { headers?: unknown; body?: unknown } = {};
    agent
      .get(ORG)
      .intercept({ path: tokenPath, method: 'POST' })
      .reply((opts) => {
        seen = { headers: opts.headers, body: opts.body };
        return { statusCode: 200, data: { token_type: 'Bearer', expires_in: 3600, access_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzY3AiOlsic2lsdmVyIl19.sig', scope: 'silver' }, responseOptions: { headers: json } };
      });
    const token = await okta.requestClientCredentialsToken({ asId: 'aus1', clientId: '0oaC', clientSecret: CLIENT_SECRET, scopes: ['silver'] });
    expect(token).toEqual({ accessToken: expect.stringMatching(/^eyJ/), tokenType: 'Bearer', scope: 'silver', expiresIn: 3600 });
    const headers = seen.headers as Record<string, string>;
    expect(headers.authorization).toBe(`Basic ${Buffer.from(`0oaC:${CLIENT_SECRET}`).toString('base64')}`);
    expect(headers.origin).toBeUndefined();
    expect(String(seen.body)).toBe('grant_type=client_credentials&scope=silver');
  });

  it.each([
    [403, 'access_denied', 'Policy evaluation failed for this request, please check the policy configurations.', 'forbidden', /okta\.accessPolicy/],
    [400, 'invalid_scope', 'One or more scopes are not configured for the authorization server resource.', 'validation', /okta\.scopes/],
    [401, 'invalid_client', 'Invalid value for \'client_id\' parameter.', 'auth', /client id and secret/],
  ])('maps OAuth %s %s to %s with a fix', async (status, error, description, kind, fix) => {
    agent.get(ORG).intercept({ path: tokenPath, method: 'POST' }).reply(status, { error, error_description: description }, { headers: json });
    const err = (await caught(okta.requestClientCredentialsToken({ tokenUrl: `${ORG}${tokenPath}`, clientId: '0oaC', clientSecret: CLIENT_SECRET, scopes: ['silver'] }))) as ExternalApiError;
    expect(err).toMatchObject({ system: 'okta', kind, code: error, status, retryable: false });
    expect(err.message).toContain(description);
    expect(err.fix).toMatch(fix);
    const text = everything(err);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(Buffer.from(`0oaC:${CLIENT_SECRET}`).toString('base64'));
    expect(text).not.toContain(TOKEN);
  });

  it('maps a 429 on the token endpoint (Okta format) with the announced wait', async () => {
    const date = 'Mon, 23 Nov 2026 09:00:00 GMT';
    agent
      .get(ORG)
      .intercept({ path: tokenPath, method: 'POST' })
      .reply(429, { errorCode: 'E0000047', errorSummary: 'You exceeded the maximum number of requests.' }, { headers: { ...json, date, 'x-rate-limit-reset': String(Date.parse(date) / 1000 + 7) } });
    await expect(caught(okta.requestClientCredentialsToken({ asId: 'aus1', clientId: 'c', clientSecret: CLIENT_SECRET, scopes: ['silver'] }))).resolves.toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7000,
    });
  });

  it('introspects a token as the introspection client, never echoing the token', async () => {
    const accessToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwb2FDIn0.c2ln';
    let body = '';
    agent
      .get(ORG)
      .intercept({ path: '/oauth2/aus1/v1/introspect', method: 'POST' })
      .reply((opts) => {
        body = String(opts.body);
        return { statusCode: 200, data: { active: true, scope: 'silver', client_id: '0oaC', token_type: 'Bearer' }, responseOptions: { headers: json } };
      });
    await expect(okta.introspectToken({ asId: 'aus1', clientId: '0oaI', clientSecret: CLIENT_SECRET, token: accessToken })).resolves.toMatchObject({ active: true, scope: 'silver', client_id: '0oaC' });
    expect(new URLSearchParams(body).get('token')).toBe(accessToken);

    agent.get(ORG).intercept({ path: '/oauth2/aus1/v1/introspect', method: 'POST' }).reply(401, { error: 'invalid_client', error_description: `bad client for ${accessToken}` }, { headers: json });
    const err = await caught(okta.introspectToken({ asId: 'aus1', clientId: '0oaI', clientSecret: CLIENT_SECRET, token: accessToken }));
    expect(everything(err)).not.toContain(accessToken);
  });

  it('changes redirect URIs with a raw GET → PUT that keeps every server field', async () => {
    const stored = oidcApp('0oaS', 'Anypoint Platform SSO', {
      futureField: { keep: true },
      settings: { app: {}, manualProvisioning: false, notes: { admin: 'x' }, oauthClient: { application_type: 'web', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://localhost/pending-anypoint-redirect'], consent_method: 'TRUSTED' } },
    });
    let put: Record<string, unknown> = {};
    const pool = agent.get(ORG);
    pool.intercept({ path: '/api/v1/apps/0oaS', method: 'GET' }).reply(200, stored, { headers: json });
    pool.intercept({ path: '/api/v1/apps/0oaS', method: 'PUT' }).reply((opts) => {
      put = JSON.parse(String(opts.body));
      return { statusCode: 200, data: put, responseOptions: { headers: json } };
    });
    await okta.setAppRedirectUris('0oaS', ['http://127.0.0.1:18081/accounts/login/org/providers/p1/redirect']);
    expect(put).toEqual({
      ...stored,
      settings: { ...stored.settings, oauthClient: { ...(stored.settings as { oauthClient: object }).oauthClient, redirect_uris: ['http://127.0.0.1:18081/accounts/login/org/providers/p1/redirect'] } },
    });
  });

  it('reads the metadata of an authorization server without sending the API token', async () => {
    let authorization: unknown = 'unset';
    agent
      .get(ORG)
      .intercept({ path: '/oauth2/aus1/.well-known/openid-configuration', method: 'GET' })
      .reply((opts) => {
        authorization = (opts.headers as Record<string, string>).authorization;
        return {
          statusCode: 200,
          data: {
            issuer: `${ORG}/oauth2/aus1`,
            authorization_endpoint: `${ORG}/oauth2/aus1/v1/authorize`,
            token_endpoint: `${ORG}/oauth2/aus1/v1/token`,
            introspection_endpoint: `${ORG}/oauth2/aus1/v1/introspect`,
            registration_endpoint: `${ORG}/oauth2/v1/clients`,
            userinfo_endpoint: `${ORG}/oauth2/aus1/v1/userinfo`,
            jwks_uri: `${ORG}/oauth2/aus1/v1/keys`,
            scopes_supported: ['openid', 'silver', 'gold'],
          },
          responseOptions: { headers: json },
        };
      });
    await expect(okta.getMetadata('aus1')).resolves.toMatchObject({ issuer: `${ORG}/oauth2/aus1`, registration_endpoint: `${ORG}/oauth2/v1/clients`, scopes_supported: ['openid', 'silver', 'gold'] });
    expect(authorization).toBeUndefined();
  });

  it('treats a registered client that is already gone as deleted, and reads one that exists', async () => {
    const pool = agent.get(ORG);
    pool.intercept({ path: '/oauth2/v1/clients/0oaGone', method: 'DELETE' }).reply(404, { errorCode: 'E0000007', errorSummary: 'Not found' }, { headers: json });
    pool.intercept({ path: '/oauth2/v1/clients/0oaD', method: 'GET' }).reply(200, { client_id: '0oaD', client_name: 'Solar System Silver', grant_types: ['client_credentials'] }, { headers: json });
    pool.intercept({ path: '/oauth2/v1/clients/0oaX', method: 'GET' }).reply(404, { errorCode: 'E0000007', errorSummary: 'Not found' }, { headers: json });
    await expect(okta.deleteDcrClient('0oaGone')).resolves.toBeUndefined();
    await expect(okta.getDcrClient('0oaD')).resolves.toMatchObject({ client_id: '0oaD', client_name: 'Solar System Silver' });
    await expect(okta.getDcrClient('0oaX')).resolves.toBeUndefined();
  });
});
