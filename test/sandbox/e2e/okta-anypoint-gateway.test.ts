import { request } from 'undici';
import { AllSandboxes, startAllSandboxes } from '../../../src/sandbox';
import { AnypointTestClient, OIDC_POLICY } from '../anypoint/support/anypoint-kit';
import { OktaAdmin } from './okta-support';

/*
 * The guides' scenario end to end on both emulators: Okta as the authorization server and DCR
 * provider, Anypoint registering clients in it, the gateway enforcing silver on /planets and gold on
 * /moons through Okta's introspection.
 */
describe('Okta and Anypoint sandboxes together: the solar-system API behind the gateway', () => {
  let all: AllSandboxes;
  let okta: OktaAdmin;
  let anypoint: AnypointTestClient;
  let issuer: string;

  beforeAll(async () => {
    all = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    okta = new OktaAdmin(all.okta.url, all.okta.apiToken);
    anypoint = new AnypointTestClient(all.sandboxes.anypoint);
    await anypoint.login();
  });
  afterAll(() => all?.close());

  it('registers a client in Okta through Anypoint, enforces the scopes at the gateway, and keeps the client alive after the app is deleted', async () => {
    // Okta: a custom authorization server with silver and gold, a client_credentials policy, an introspection client.
    const as = await okta.ok('POST', '/api/v1/authorizationServers', { name: 'solar-system', description: 'Solar system API', audiences: ['api://solar-system'] });
    issuer = as.issuer;
    for (const name of ['silver', 'gold']) {
      await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { name, description: `${name} tier`, consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', default: false });
    }
    const policy = await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/policies`, {
      type: 'OAUTH_AUTHORIZATION_POLICY', name: 'Solar system access', description: 'MuleSoft APIs', priority: 1, status: 'ACTIVE', conditions: { clients: { include: ['ALL_CLIENTS'] } },
    });
    await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/policies/${policy.id}/rules`, {
      type: 'RESOURCE_ACCESS', name: 'client credentials', priority: 1, status: 'ACTIVE',
      conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['*'] }, people: { groups: { include: ['EVERYONE'] } } },
      actions: { token: { accessTokenLifetimeMinutes: 60, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 } },
    });
    const introspector = await okta.ok('POST', '/api/v1/apps', {
      name: 'oidc_client', label: 'Anypoint introspection client', signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', autoKeyRotation: true } },
      settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'], redirect_uris: [] } },
    });
    const meta = await okta.ok('GET', `/oauth2/${as.id}/.well-known/oauth-authorization-server`);

    // Anypoint: the client provider pointing at Okta, the instance, its proxy and the two OIDC policies.
    const provider = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, {
      name: 'Okta DCR',
      type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
      allow_untrusted_certificates: false,
      oidc_dynamic_client_provider: {
        issuer: meta.issuer,
        client_request_timeout: 5000,
        urls: { authorize: meta.authorization_endpoint, token: meta.token_endpoint, introspect: meta.introspection_endpoint },
        client: { urls: { register: meta.registration_endpoint }, registration: { authorization: `SSWS ${all.okta.apiToken}` } },
        primary_client: { id: introspector.credentials.oauthClient.client_id, secret: introspector.credentials.oauthClient.client_secret },
      },
    });
    expect(provider.status).toBe(201);
    const api = await anypoint.createInstance({ providerId: provider.body.provider_id, instanceLabel: 'okta-solar-system', endpoint: { deploymentType: 'CH', type: 'raml', uri: all.upstream.url } });
    const deployment = await anypoint.post(`/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${api.id}/deployments`, { type: 'CH', applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0', environmentId: anypoint.env, environmentName: 'Sandbox', overwrite: false, expectedStatus: 'deployed' });
    expect(deployment.status).toBe(201);
    for (const [scope, resource] of [['silver', '/planets'], ['gold', '/moons']]) {
      const applied = await anypoint.post(`${anypoint.apis()}/${api.id}/policies`, { ...OIDC_POLICY, configurationData: { scopes: scope, scopeValidationCriteria: 'AND', exposeHeaders: false, skipClientIdValidation: false }, pointcutData: [{ methodRegex: 'GET', uriTemplateRegex: resource }] });
      expect(applied.status).toBe(201);
    }

    // The Exchange application registers a client in Okta.
    const app = await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${api.id}`, { name: 'Solar System Silver', grantTypes: ['client_credentials'], redirectUri: [], apiEndpoints: false });
    expect(app.status).toBe(201);
    const client = await okta.call('GET', `/oauth2/v1/clients/${app.body.clientId}`);
    expect(client.status).toBe(200);
    expect(client.body).toMatchObject({ client_id: app.body.clientId, client_name: 'Solar System Silver', grant_types: ['client_credentials'] });
    expect((await okta.call('GET', `/api/v1/apps/${app.body.clientId}`)).status).toBe(200);
    expect((await anypoint.post(`${anypoint.apis()}/${api.id}/contracts`, { applicationId: app.body.id, acceptedTerms: true })).body.status).toBe('APPROVED');

    // A silver token: /planets yes, /moons no, nothing without a token.
    const token = await okta.clientCredentialsToken(issuer, app.body.clientId, app.body.clientSecret, 'silver');
    expect(token.status).toBe(200);
    const proxy = `${all.gateway.url}/okta-solar-proxy`;
    const planets = await request(`${proxy}/planets`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(planets.statusCode).toBe(200);
    expect(((await planets.body.json()) as { name: string }[]).map((p) => p.name)).toContain('Saturn');
    const moons = await request(`${proxy}/moons`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(moons.statusCode).toBe(403);
    expect(((await moons.body.json()) as { error: string }).error).toBe('insufficient_scope');
    const anonymous = await request(`${proxy}/planets`);
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Bearer');

    // Deleting the Exchange application leaves the Okta client working: the documented limitation.
    expect((await anypoint.delete(`/exchange/api/v2/organizations/${anypoint.org}/applications/${app.body.id}`)).status).toBe(204);
    expect((await okta.call('GET', `/oauth2/v1/clients/${app.body.clientId}`)).status).toBe(200);
    const after = await okta.clientCredentialsToken(issuer, app.body.clientId, app.body.clientSecret, 'silver');
    expect(after.status).toBe(200);
    expect(after.body.access_token).toEqual(expect.any(String));
  });
});
