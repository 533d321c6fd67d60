import type { MockAgent } from 'undici';
import { AnypointClient, apiInstanceBody, identityProviderRedirectUri, normalizePolicy, oidcPolicyBody } from '../../src/clients/anypoint';
import { ExternalApiError } from '../../src/clients/errors';
import { caught, everything, json, mockAgent } from './http-fakes';

const BASE = 'http://anypoint.test';
const CLIENT_ID = 'connected-app-id';
const CLIENT_SECRET = 'connected-app-SECRET-0123456789';
const ORG = 'org-1';
const ENV = 'env-1';

type Opts = { path: string; method: string; headers?: unknown; body?: unknown };
const headersOf = (opts: Opts) => opts.headers as Record<string, string>;

describe('AnypointClient', () => {
  let agent: MockAgent;
  let clock: number;
  let anypoint: AnypointClient;
  let tokensIssued: number;

  const pool = () => agent.get(BASE);
  /** The token endpoint, issuing token-1, token-2… for `times` requests. */
  function tokenEndpoint(times = 1, expiresIn = 3600) {
    pool()
      .intercept({ path: '/accounts/api/v2/oauth2/token', method: 'POST' })
      .reply((opts) => {
        expect(JSON.parse(String(opts.body))).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
        tokensIssued++;
        return { statusCode: 200, data: { access_token: `token-${tokensIssued}`, token_type: 'bearer', expires_in: expiresIn }, responseOptions: { headers: json } };
      })
      .times(times);
  }

  beforeEach(() => {
    agent = mockAgent();
    clock = Date.parse('2026-11-23T09:00:00Z');
    tokensIssued = 0;
    anypoint = new AnypointClient({ baseUrl: `${BASE}/`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, dispatcher: agent, pageSize: 2, now: () => clock });
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  describe('connected-app token', () => {
    it('is requested once, reused, and renewed shortly before it expires', async () => {
      tokenEndpoint(2, 120);
      const seen: string[] = [];
      pool()
        .intercept({ path: `/accounts/api/organizations/${ORG}/environments`, method: 'GET' })
        .reply((opts: Opts) => {
          seen.push(headersOf(opts).authorization);
          return { statusCode: 200, data: { data: [{ id: ENV, name: 'Sandbox' }], total: 1 }, responseOptions: { headers: json } };
        })
        .times(3);
      await anypoint.listEnvironments(ORG);
      clock += 30_000;
      await anypoint.listEnvironments(ORG);
      clock += 31_000; // 59 s left: inside the 60 s margin
      await anypoint.listEnvironments(ORG);
      expect(seen).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
    });

    it('is shared by concurrent calls', async () => {
      tokenEndpoint(1);
      pool().intercept({ path: `/accounts/api/organizations/${ORG}/environments`, method: 'GET' }).reply(200, { data: [] }, { headers: json }).times(3);
      await Promise.all([anypoint.listEnvironments(ORG), anypoint.listEnvironments(ORG), anypoint.listEnvironments(ORG)]);
      expect(tokensIssued).toBe(1);
    });

    it('is refreshed once on a 401 and the call retried', async () => {
      tokenEndpoint(2);
      const seen: string[] = [];
      pool()
        .intercept({ path: `/accounts/api/organizations/${ORG}/environments`, method: 'GET' })
        .reply((opts: Opts) => {
          seen.push(headersOf(opts).authorization);
          return seen.length === 1 ? { statusCode: 401, data: 'Unauthorized' } : { statusCode: 200, data: { data: [{ id: ENV, name: 'Sandbox' }] }, responseOptions: { headers: json } };
        })
        .times(2);
      await expect(anypoint.findEnvironmentByName(ORG, 'Sandbox')).resolves.toMatchObject({ id: ENV });
      expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
    });

    it('gives up after one refresh: a second 401 is an auth error that never shows the secret or token', async () => {
      tokenEndpoint(2);
      pool().intercept({ path: `/accounts/api/organizations/${ORG}/environments`, method: 'GET' }).reply(401, { message: 'Invalid token token-2' }, { headers: json }).times(2);
      const err = (await caught(anypoint.listEnvironments(ORG))) as ExternalApiError;
      expect(err).toMatchObject({ system: 'anypoint', kind: 'auth', status: 401, retryable: false });
      expect(err.fix).toContain('connected app');
      expect(everything(err)).not.toMatch(/token-2|connected-app-SECRET/);
    });

    it('refused at the token endpoint names anypoint.connectedApp, not the secret', async () => {
      pool().intercept({ path: '/accounts/api/v2/oauth2/token', method: 'POST' }).reply(401, { error: 'invalid_client', message: `bad secret ${CLIENT_SECRET}` }, { headers: json });
      const err = (await caught(anypoint.me())) as ExternalApiError;
      expect(err).toMatchObject({ kind: 'auth', operation: 'get a connected-app token' });
      expect(err.fix).toContain('anypoint.connectedApp');
      expect(everything(err)).not.toContain(CLIENT_SECRET);
    });
  });

  describe('identity', () => {
    it('takes the org from client.org_id first and reads the domain from the organization', async () => {
      tokenEndpoint();
      pool().intercept({ path: '/accounts/api/me', method: 'GET' }).reply(200, { client: { client_id: CLIENT_ID, org_id: 'org-from-client' }, user: { organization: { id: 'org-from-user' } } }, { headers: json });
      pool().intercept({ path: '/accounts/api/organizations/org-from-client', method: 'GET' }).reply(200, { id: 'org-from-client', name: 'Solar', domain: 'solar' }, { headers: json });
      await expect(anypoint.me()).resolves.toEqual({ orgId: 'org-from-client', orgDomain: 'solar', orgName: 'Solar', clientId: CLIENT_ID });
    });

    it('falls back to user.organization, then to cs_auth.activeOrganizationId', async () => {
      tokenEndpoint();
      pool().intercept({ path: '/accounts/api/me', method: 'GET' }).reply(200, { user: { organization: { id: 'org-u', domain: 'dom-u' } } }, { headers: json });
      pool().intercept({ path: '/accounts/api/me', method: 'GET' }).reply(200, { user: { properties: { cs_auth: { activeOrganizationId: 'org-cs' } } } }, { headers: json });
      pool().intercept({ path: '/accounts/api/organizations/org-cs', method: 'GET' }).reply(403, { message: 'forbidden' }, { headers: json });
      await expect(anypoint.me()).resolves.toMatchObject({ orgId: 'org-u', orgDomain: 'dom-u' });
      await expect(anypoint.me()).resolves.toMatchObject({ orgId: 'org-cs', orgDomain: undefined });
    });
  });

  describe('policies', () => {
    const full = {
      id: 101,
      policyTemplateId: '9',
      groupId: '68ef9520-24e9-4cf2-b2f5-620025690913',
      assetId: 'openidconnect-access-token-enforcement',
      assetVersion: '1.3.0',
      configurationData: { scopes: 'silver', scopeValidationCriteria: 'AND', exposeHeaders: false, skipClientIdValidation: false },
      pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: '/planets' }],
      order: 1,
      disabled: false,
      apiId: 7,
      audit: { created: { date: '2026-11-23' } },
    };
    const compact = {
      policyId: 101,
      template: { groupId: full.groupId, assetId: full.assetId, assetVersion: '1.3.0' },
      configuration: full.configurationData,
      pointcutData: full.pointcutData,
      order: 1,
      disabled: false,
    };
    const compactWithImplementationAsset = { ...compact, template: undefined, implementationAsset: { groupId: full.groupId, assetId: full.assetId, version: '1.3.0' } };

    it('normalizes the three listing shapes identically', async () => {
      tokenEndpoint();
      const path = `/apimanager/api/v1/organizations/${ORG}/environments/${ENV}/apis/7/policies`;
      pool().intercept({ path, method: 'GET' }).reply(200, [full], { headers: json });
      pool().intercept({ path, method: 'GET' }).reply(200, { policies: [full] }, { headers: json });
      pool().intercept({ path, method: 'GET' }).reply(200, [compact], { headers: json });
      pool().intercept({ path, method: 'GET' }).reply(200, [compactWithImplementationAsset], { headers: json });
      const lists = [];
      for (let i = 0; i < 4; i++) lists.push(await anypoint.listPolicies(ORG, ENV, '7'));
      const expected = [
        {
          id: '101',
          groupId: full.groupId,
          assetId: full.assetId,
          assetVersion: '1.3.0',
          configurationData: full.configurationData,
          pointcutData: full.pointcutData,
          order: 1,
          disabled: false,
        },
      ];
      for (const list of lists) expect(list).toEqual(expected);
      expect(normalizePolicy({ id: 5, assetId: 'x', configurationData: {}, pointcutData: [] }).pointcutData).toBeNull();
    });

    it('builds the OpenID Connect policy body with space-separated scopes and the pointcut', () => {
      expect(oidcPolicyBody({ scopes: ['silver', 'gold'], validation: 'OR', methods: ['GET', 'POST'], resource: '/planets', order: 2 })).toEqual({
        groupId: '68ef9520-24e9-4cf2-b2f5-620025690913',
        assetId: 'openidconnect-access-token-enforcement',
        assetVersion: '1.3.0',
        configurationData: { scopes: 'silver gold', scopeValidationCriteria: 'OR', exposeHeaders: false, skipClientIdValidation: false },
        pointcutData: [{ methodRegex: 'GET|POST', uriTemplateRegex: '/planets' }],
        order: 2,
      });
    });
  });

  describe('client providers and identity providers', () => {
    it('accepts provider_id and providerId, matches names exactly and reads the match in full', async () => {
      tokenEndpoint();
      pool()
        .intercept({ path: `/accounts/api/organizations/${ORG}/clientProviders`, method: 'GET' })
        .reply(200, { data: [{ provider_id: 'p1', name: 'Okta DCR (old)' }, { providerId: 'p2', name: 'Okta DCR' }], total: 2 }, { headers: json });
      pool()
        .intercept({ path: `/accounts/api/organizations/${ORG}/clientProviders/p2`, method: 'GET' })
        .reply(200, { provider_id: 'p2', name: 'Okta DCR', type: { name: 'openid-dynamic-client' }, oidc_dynamic_client_provider: { issuer: 'http://okta/oauth2/aus1' } }, { headers: json });
      await expect(anypoint.findClientProviderByName(ORG, 'Okta DCR')).resolves.toMatchObject({ provider_id: 'p2', providerId: 'p2', oidc_dynamic_client_provider: { issuer: 'http://okta/oauth2/aus1' } });
    });

    it('reads the redirect URI Anypoint generated for an identity provider', () => {
      expect(identityProviderRedirectUri({ oidc_provider: { urls: { redirect: 'https://anypoint/redirect' } } })).toBe('https://anypoint/redirect');
      expect(identityProviderRedirectUri({})).toBeUndefined();
    });
  });

  describe('API instances', () => {
    const apisPath = `/apimanager/api/v1/organizations/${ORG}/environments/${ENV}/apis`;

    it('are filtered exactly, paged, flattened out of assets[].apis[] and read in full, with org and env headers', async () => {
      tokenEndpoint();
      const seen: Opts[] = [];
      pool()
        .intercept({ path: (p) => p.startsWith(`${apisPath}?`), method: 'GET' })
        .reply((opts: Opts) => {
          seen.push(opts);
          const offset = new URL(`http://x${opts.path}`).searchParams.get('offset');
          const assets =
            offset === '0'
              ? [
                  { groupId: ORG, assetId: 'solar-system', apis: [{ id: 1, instanceLabel: 'solar-system-v0' }] },
                  { groupId: ORG, assetId: 'solar-system-extra', apis: [{ id: 2, instanceLabel: 'solar-system' }] },
                ]
              : [{ groupId: ORG, assetId: 'solar-system', apis: [{ id: 3, instanceLabel: 'solar-system' }] }];
          return { statusCode: 200, data: { total: 3, assets }, responseOptions: { headers: json } };
        })
        .times(2);
      pool().intercept({ path: `${apisPath}/3`, method: 'GET' }).reply(200, { id: 3, instanceLabel: 'solar-system', assetVersion: '1.0.0', providerId: 'p2', endpoint: { uri: 'http://up' } }, { headers: json });
      const found = await anypoint.findApiInstance(ORG, ENV, { groupId: ORG, assetId: 'solar-system', instanceLabel: 'solar-system' });
      expect(found).toEqual({ id: 3, groupId: ORG, assetId: 'solar-system', instanceLabel: 'solar-system', assetVersion: '1.0.0', providerId: 'p2', endpoint: { uri: 'http://up' } });
      const query = new URL(`http://x${seen[0].path}`).searchParams;
      expect(Object.fromEntries(query)).toEqual({ groupId: ORG, assetId: 'solar-system', instanceLabel: 'solar-system', limit: '2', offset: '0' });
      expect(headersOf(seen[0])['x-anypnt-org-id']).toBe(ORG);
      expect(headersOf(seen[0])['x-anypnt-env-id']).toBe(ENV);
    });

    it('are created with the required keys explicitly null and without a null deployment', async () => {
      tokenEndpoint();
      let sent: Record<string, unknown> = {};
      pool()
        .intercept({ path: apisPath, method: 'POST' })
        .reply((opts: Opts) => {
          sent = JSON.parse(String(opts.body));
          return { statusCode: 201, data: { id: 9, ...sent }, responseOptions: { headers: json } };
        });
      await anypoint.createApiInstance(ORG, ENV, {
        providerId: 'p2',
        spec: { groupId: ORG, assetId: 'solar-system', version: '1.0.0' },
        instanceLabel: 'solar-system',
        endpoint: { deploymentType: 'CH', type: 'raml', uri: 'http://up' },
        deployment: null,
      });
      expect(sent).toEqual({
        technology: 'mule4',
        providerId: 'p2',
        approvalMethod: null,
        endpointUri: null,
        instanceLabel: 'solar-system',
        spec: { groupId: ORG, assetId: 'solar-system', version: '1.0.0' },
        endpoint: { deploymentType: 'CH', type: 'raml', isCloudHub: null, muleVersion4OrAbove: null, uri: 'http://up', proxyUri: null, referencesUserDomain: null, responseTimeout: null, tlsContexts: null },
        routing: null,
      });
      expect(apiInstanceBody({ spec: { groupId: 'g', assetId: 'a', version: '1.0.0' } }).providerId).toBeNull();
    });
  });

  describe('Exchange', () => {
    const appsPath = `/exchange/api/v2/organizations/${ORG}/applications`;

    it('finds a client application by exact name through every page, without its secret unless asked', async () => {
      tokenEndpoint();
      const page = (offset: string) =>
        offset === '0'
          ? [
              { id: 1, name: 'Solar System Silver (copy)', clientId: 'c1', clientSecret: 's1-secret-value' },
              { id: 2, name: 'solar system silver', clientId: 'c2', clientSecret: 's2-secret-value' },
            ]
          : [{ id: 3, name: 'Solar System Silver', clientId: 'c3', clientSecret: 's3-secret-value' }];
      pool()
        .intercept({ path: (p) => p.startsWith(`${appsPath}?`), method: 'GET' })
        .reply((opts: Opts) => {
          const q = new URL(`http://x${opts.path}`).searchParams;
          expect(q.get('targetAdminSite')).toBe('true');
          expect(q.get('query')).toBe('Solar System Silver');
          return { statusCode: 200, data: page(q.get('offset')!), responseOptions: { headers: json } };
        })
        .times(4);
      await expect(anypoint.findClientApplicationByName(ORG, 'Solar System Silver')).resolves.toEqual({ id: 3, name: 'Solar System Silver', clientId: 'c3' });
      await expect(anypoint.findClientApplicationByName(ORG, 'Solar System Silver', { withCredentials: true })).resolves.toMatchObject({ clientSecret: 's3-secret-value' });
    });

    it('creates a client application bound to the API instance', async () => {
      tokenEndpoint();
      let sent: unknown;
      pool()
        .intercept({ path: `${appsPath}?apiInstanceId=9`, method: 'POST' })
        .reply((opts: Opts) => {
          sent = JSON.parse(String(opts.body));
          return { statusCode: 201, data: { id: 4, name: 'Solar System Silver', clientId: '0oaDCR', clientSecret: 'dcr-secret-value' }, responseOptions: { headers: json } };
        });
      await expect(anypoint.createClientApplication(ORG, 9, { name: 'Solar System Silver', grantTypes: ['client_credentials'], redirectUri: [] })).resolves.toMatchObject({ clientId: '0oaDCR', clientSecret: 'dcr-secret-value' });
      expect(sent).toEqual({ apiEndpoints: false, name: 'Solar System Silver', grantTypes: ['client_credentials'], redirectUri: [] });
    });

    it('publishes a RAML as a zipped multipart upload, and treats 409 as already published', async () => {
      tokenEndpoint();
      const path = `/exchange/api/v2/organizations/${ORG}/assets/${ORG}/solar-system/1.0.0`;
      let request: Opts | undefined;
      pool()
        .intercept({ path, method: 'POST' })
        .reply((opts: Opts) => {
          request = opts;
          return { statusCode: 201, data: { groupId: ORG, assetId: 'solar-system', version: '1.0.0' }, responseOptions: { headers: json } };
        });
      pool().intercept({ path, method: 'POST' }).reply(409, { status: 409, message: 'Asset already exists' }, { headers: json });
      const spec = { groupId: ORG, assetId: 'solar-system', version: '1.0.0', name: 'solar-system', raml: '#%RAML 1.0\ntitle: Solar System\n' };
      await expect(anypoint.publishRamlAsset(ORG, spec)).resolves.toBe(true);
      await expect(anypoint.publishRamlAsset(ORG, spec)).resolves.toBe(false);
      const headers = headersOf(request!);
      expect(headers['x-sync-publication']).toBe('true');
      expect(headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      const body = Buffer.from(request!.body as Buffer).toString('latin1');
      for (const field of ['name', 'type', 'status', 'properties.mainFile', 'properties.apiVersion']) expect(body).toContain(`name="${field}"`);
      expect(body).toContain('name="files.raml.zip"; filename="solar-system.zip"');
      expect(body).toContain('PK\u0003\u0004');
      expect(body).toContain('#%RAML 1.0\ntitle: Solar System');
    });

    it('answers undefined for an asset that does not exist', async () => {
      tokenEndpoint();
      pool().intercept({ path: `/exchange/api/v2/assets/${ORG}/missing/1.0.0`, method: 'GET' }).reply(404, { status: 404, message: 'Asset not found' }, { headers: json });
      await expect(anypoint.getAsset(ORG, 'missing', '1.0.0')).resolves.toBeUndefined();
    });
  });

  describe('contracts, deployments and deletes', () => {
    const api = `/apimanager/api/v1/organizations/${ORG}/environments/${ENV}/apis/9`;

    it('lists contracts out of {contracts}, approves through the xapi route, and deletes idempotently', async () => {
      tokenEndpoint();
      pool().intercept({ path: `${api}/contracts`, method: 'GET' }).reply(200, { contracts: [{ id: 11, status: 'PENDING', application: { id: 4 } }], total: 1 }, { headers: json });
      pool()
        .intercept({ path: `/apimanager/xapi/v1/organizations/${ORG}/environments/${ENV}/apis/9/contracts/11/approve`, method: 'POST' })
        .reply(201, { id: 11, status: 'APPROVED' }, { headers: json });
      pool().intercept({ path: `${api}/contracts/11`, method: 'DELETE' }).reply(404, 'This resource does not exist');
      await expect(anypoint.listContracts(ORG, ENV, '9')).resolves.toEqual([{ id: 11, status: 'PENDING', application: { id: 4 } }]);
      await expect(anypoint.approveContract(ORG, ENV, '9', '11')).resolves.toMatchObject({ status: 'APPROVED' });
      await expect(anypoint.deleteContract(ORG, ENV, '9', '11')).resolves.toBeUndefined();
    });

    it('lists proxy deployments from a bare array', async () => {
      tokenEndpoint();
      pool()
        .intercept({ path: `/proxies/xapi/v1/organizations/${ORG}/environments/${ENV}/apis/9/deployments`, method: 'GET' })
        .reply(200, [{ id: 21, type: 'CH', applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0' }], { headers: json });
      await expect(anypoint.listDeployments(ORG, ENV, '9')).resolves.toEqual([{ id: 21, type: 'CH', applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0' }]);
    });
  });

  describe('errors', () => {
    const envPath = `/accounts/api/organizations/${ORG}/environments`;

    it.each([
      ['message', { message: 'Environment is archived' }, 'Environment is archived'],
      ['errors[].message', { name: 'Bad Request', errors: [{ path: '/body/deployment', message: 'must be object', errorCode: 'type.openapi.validation' }] }, 'must be object'],
      ['error', { error: 'invalid_request' }, 'invalid_request'],
      ['plain text', 'Something went wrong', 'Something went wrong'],
    ])('reads the message from %s', async (_shape, body, expected) => {
      tokenEndpoint();
      pool().intercept({ path: envPath, method: 'GET' }).reply(400, body, { headers: typeof body === 'string' ? { 'content-type': 'text/plain' } : json });
      const err = (await caught(anypoint.listEnvironments(ORG))) as ExternalApiError;
      expect(err).toMatchObject({ kind: 'validation', status: 400 });
      expect(err.message).toContain(expected);
    });

    it('reports a rate limit with the wait X-RateLimit-Reset announces', async () => {
      tokenEndpoint();
      const date = 'Mon, 23 Nov 2026 09:00:00 GMT';
      pool()
        .intercept({ path: envPath, method: 'GET' })
        .reply(429, { message: 'Too many requests' }, { headers: { ...json, date, 'x-ratelimit-limit': '500', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.parse(date) / 1000 + 15) } });
      await expect(caught(anypoint.listEnvironments(ORG))).resolves.toMatchObject({ kind: 'rate_limited', retryAfterMs: 15_000, retryable: true });
    });

    it('asks for the missing connected-app scope on a 403 (read once), and reports a 5xx that outlasts the read retries as retryable', async () => {
      tokenEndpoint();
      pool().intercept({ path: `/accounts/api/organizations/${ORG}/clientProviders`, method: 'GET' }).reply(403, { message: 'Forbidden' }, { headers: json });
      // A read is tried four times in the client before the activity sees the failure.
      pool().intercept({ path: `/exchange/api/v2/assets/${ORG}/a/1.0.0`, method: 'GET' }).reply(503, 'Service Unavailable').times(4);
      const forbidden = (await caught(anypoint.listClientProviders(ORG))) as ExternalApiError;
      expect(forbidden).toMatchObject({ kind: 'forbidden', retryable: false });
      expect(forbidden.fix).toContain('admin:orgclientproviders');
      await expect(caught(anypoint.getAsset(ORG, 'a', '1.0.0'))).resolves.toMatchObject({ kind: 'server', retryable: true });
    });

    it('retries a read on 5xx, a dropped connection and a short 429 inside the call, each retry a real request', async () => {
      tokenEndpoint();
      const date = new Date(clock).toUTCString();
      pool().intercept({ path: envPath, method: 'GET' }).reply(502, 'Bad Gateway');
      pool().intercept({ path: envPath, method: 'GET' }).replyWithError(new Error('socket hang up'));
      pool()
        .intercept({ path: envPath, method: 'GET' })
        .reply(429, { message: 'Too many requests' }, { headers: { ...json, date, 'x-ratelimit-reset': String(Date.parse(date) / 1000 + 1) } });
      let reads = 0;
      pool()
        .intercept({ path: envPath, method: 'GET' })
        .reply(() => {
          reads++;
          return { statusCode: 200, data: { data: [{ id: ENV, name: 'Sandbox' }] }, responseOptions: { headers: json } };
        });
      await expect(anypoint.listEnvironments(ORG)).resolves.toEqual([{ id: ENV, name: 'Sandbox' }]);
      expect(reads).toBe(1);
    });

    it('leaves a 429 whose reset is far away to the activity retry, and never repeats a write', async () => {
      tokenEndpoint();
      const date = new Date(clock).toUTCString();
      pool()
        .intercept({ path: envPath, method: 'GET' })
        .reply(429, { message: 'Too many requests' }, { headers: { ...json, date, 'x-ratelimit-reset': String(Date.parse(date) / 1000 + 30) } });
      await expect(caught(anypoint.listEnvironments(ORG))).resolves.toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
      // Once only: a second create would find no interceptor and fail as a network error instead.
      pool().intercept({ path: `/accounts/api/organizations/${ORG}/clientProviders`, method: 'POST' }).reply(503, 'Service Unavailable');
      await expect(caught(anypoint.createClientProvider(ORG, { name: 'p' }))).resolves.toMatchObject({ kind: 'server', retryable: true });
    });

    it('never puts the client secret of a provider body into an error', async () => {
      tokenEndpoint();
      pool()
        .intercept({ path: `/accounts/api/organizations/${ORG}/clientProviders`, method: 'POST' })
        .reply((opts: Opts) => ({ statusCode: 400, data: { message: `invalid body ${String(opts.body)}` }, responseOptions: { headers: json } }));
      const err = await caught(
        anypoint.createClientProvider(ORG, {
          name: 'Okta DCR',
          oidc_dynamic_client_provider: { client: { registration: { authorization: 'SSWS 00oktaApiTokenValue' } }, primary_client: { id: '0oaI', secret: 'introspection-secret-value' } },
        }),
      );
      expect(everything(err)).not.toMatch(/00oktaApiTokenValue|introspection-secret-value|connected-app-SECRET/);
    });
  });
});
