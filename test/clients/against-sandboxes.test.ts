import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import { AnypointClient, dcrClientProviderBody, identityProviderRedirectUri, oidcIdentityProviderBody } from '../../src/clients/anypoint';
import { ExternalApiError } from '../../src/clients/errors';
import { OktaClient } from '../../src/clients/okta';
import { startAllSandboxes, type AllSandboxes } from '../../src/sandbox';

/*
 * The clients against the local emulators, through the guides' whole solar-system scenario: the
 * wire format (paths, bodies, pagination, error shapes) has to agree on both sides, and a silver
 * token has to read /planets and be refused on /moons at the gateway.
 */
describe('the clients against the Okta and Anypoint sandboxes', () => {
  let all: AllSandboxes;
  let okta: OktaClient;
  let anypoint: AnypointClient;

  beforeAll(async () => {
    all = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    okta = new OktaClient({ orgUrl: `${all.okta.url}/`, apiToken: all.okta.apiToken });
    anypoint = new AnypointClient({ baseUrl: all.anypoint.url, ...all.anypoint.connectedApp });
  });
  afterAll(async () => {
    await okta?.close();
    await anypoint?.close();
    await all?.close();
  });

  it('onboard the solar-system tenant, prove it at the gateway, and undo it', async () => {
    // Okta: authorization server, scopes, group, access policy and rule, introspection client.
    await expect(okta.verifyApiToken()).resolves.toMatchObject({ userId: expect.any(String) });
    const server = await okta.createAuthorizationServer({ name: 'solar-system', description: 'Solar system API', audiences: ['api://solar-system'] });
    expect(await okta.findAuthorizationServerByName('solar-system')).toMatchObject({ id: server.id });
    // A resource read back (dates as strings) can be written back through the SDK.
    await okta.replaceAuthorizationServer(server.id, { ...(await okta.getAuthorizationServer(server.id))!, description: 'Solar system API v2' });
    for (const name of ['silver', 'gold']) await okta.createScope(server.id, { name, description: name, consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS' });
    const silverSubscribers = await okta.createGroup({ name: 'silverSubscribers', description: 'Silver tier' });
    expect(await okta.createGroup({ name: 'silverSubscribers', description: 'Silver tier' })).toMatchObject({ id: silverSubscribers.id });
    const policy = await okta.createPolicy(server.id, { name: 'Solar system access', description: 'd', priority: 1, status: 'ACTIVE', conditions: { clients: { include: ['ALL_CLIENTS'] } } });
    const rule = await okta.createRule(server.id, policy.id, {
      name: 'Subscribers',
      priority: 1,
      status: 'ACTIVE',
      conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['silver', 'gold'] }, people: { groups: { include: ['EVERYONE'] } } },
      actions: { token: { accessTokenLifetimeMinutes: 60 } },
    });
    expect(await okta.findRuleByName(server.id, policy.id, 'Subscribers')).toMatchObject({ id: rule.id, conditions: { scopes: { include: ['silver', 'gold'] } } });
    const introspection = await okta.createOidcApp({ label: 'Anypoint introspection client', applicationType: 'service', grantTypes: ['client_credentials'], responseTypes: ['token'], redirectUris: [] });
    expect(await okta.findOidcAppByLabel('Anypoint introspection client')).toMatchObject({ id: introspection.id });
    const introspectionSecret = await okta.getClientSecret(introspection.id);
    const sso = await okta.createOidcApp({ label: 'Anypoint Platform SSO', applicationType: 'web', grantTypes: ['authorization_code'], responseTypes: ['code'], redirectUris: ['http://localhost/pending'] });
    const metadata = await okta.getMetadata(server.id);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['silver', 'gold']));

    // Anypoint: identity, client provider, SSO identity provider, API instance, proxy, policies.
    const me = await anypoint.me();
    expect(me).toMatchObject({ orgId: all.anypoint.orgId, orgDomain: all.anypoint.orgDomain });
    const env = (await anypoint.findEnvironmentByName(me.orgId, 'Sandbox'))!;
    expect(env.id).toBe(all.anypoint.environments.Sandbox);
    const provider = await anypoint.createClientProvider(
      me.orgId,
      dcrClientProviderBody({
        name: 'Okta DCR',
        issuer: metadata.issuer,
        urls: { authorize: metadata.authorization_endpoint, token: metadata.token_endpoint, introspect: metadata.introspection_endpoint },
        registerUrl: metadata.registration_endpoint,
        registrationAuthorization: `SSWS ${all.okta.apiToken}`,
        introspectionClient: { id: introspection.id, secret: introspectionSecret },
      }),
    );
    expect(await anypoint.findClientProviderByName(me.orgId, 'Okta DCR')).toMatchObject({ providerId: provider.providerId });
    const idp = await anypoint.createIdentityProvider(
      me.orgId,
      oidcIdentityProviderBody({
        name: 'Okta SSO',
        issuer: metadata.issuer,
        urls: { authorize: metadata.authorization_endpoint, token: metadata.token_endpoint, userinfo: metadata.userinfo_endpoint },
        client: { id: sso.id, secret: await okta.getClientSecret(sso.id) },
      }),
    );
    const redirect = identityProviderRedirectUri((await anypoint.findIdentityProviderByName(me.orgId, 'Okta SSO'))!);
    expect(redirect).toMatch(/^http/);
    await okta.setAppRedirectUris(sso.id, [redirect!]);
    expect((await okta.getApp(sso.id))?.settings?.oauthClient?.redirect_uris).toEqual([redirect]);

    const raml = readFileSync(resolve(__dirname, '../../examples/solar-system.raml'), 'utf8');
    const asset = { groupId: me.orgId, assetId: 'solar-system-clients-test', version: '1.0.0', name: 'solar-system', raml };
    expect(await anypoint.getAsset(asset.groupId, asset.assetId, asset.version)).toBeUndefined();
    expect(await anypoint.publishRamlAsset(me.orgId, asset)).toBe(true);
    expect(await anypoint.publishRamlAsset(me.orgId, asset)).toBe(false);
    const api = await anypoint.createApiInstance(me.orgId, env.id, {
      providerId: provider.providerId,
      instanceLabel: 'solar-system',
      spec: { groupId: asset.groupId, assetId: asset.assetId, version: asset.version },
      endpoint: { deploymentType: 'CH', type: 'raml', isCloudHub: true, muleVersion4OrAbove: true, uri: all.upstream.url, proxyUri: 'http://0.0.0.0:8081/', referencesUserDomain: false },
    });
    const apiId = String(api.id);
    expect(await anypoint.findApiInstance(me.orgId, env.id, { groupId: asset.groupId, assetId: asset.assetId, instanceLabel: 'solar-system' })).toMatchObject({ providerId: provider.providerId });
    const deployment = await anypoint.createDeployment(me.orgId, env.id, apiId, { type: 'CH', applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0', environmentId: env.id, environmentName: 'Sandbox', overwrite: false, expectedStatus: 'deployed' });
    const silverPolicy = await anypoint.createOidcPolicy(me.orgId, env.id, apiId, { scopes: ['silver'], methods: ['GET'], resource: '/planets', order: 1 });
    await anypoint.createOidcPolicy(me.orgId, env.id, apiId, { scopes: ['gold'], methods: ['GET'], resource: '/moons', order: 2 });
    expect((await anypoint.listPolicies(me.orgId, env.id, apiId)).map((p) => [p.configurationData.scopes, p.pointcutData])).toEqual([
      ['silver', [{ methodRegex: 'GET', uriTemplateRegex: '/planets' }]],
      ['gold', [{ methodRegex: 'GET', uriTemplateRegex: '/moons' }]],
    ]);

    // The consumer: Anypoint registers the client in Okta; the contract; the group assignment.
    const app = await anypoint.createClientApplication(me.orgId, apiId, { name: 'Solar System Silver', grantTypes: ['client_credentials'], redirectUri: [] });
    expect(app).toMatchObject({ clientId: expect.any(String), clientSecret: expect.any(String) });
    expect(await anypoint.findClientApplicationByName(me.orgId, 'Solar System Silver')).not.toHaveProperty('clientSecret');
    const withCredentials = (await anypoint.findClientApplicationByName(me.orgId, 'Solar System Silver', { withCredentials: true }))!;
    let contract = await anypoint.createContract(me.orgId, env.id, apiId, { applicationId: Number(app.id) });
    if (contract.status === 'PENDING') contract = await anypoint.approveContract(me.orgId, env.id, apiId, String(contract.id));
    expect(contract.status).toBe('APPROVED');
    expect(await okta.getDcrClient(String(app.clientId))).toMatchObject({ client_id: app.clientId, client_name: 'Solar System Silver' });
    expect(await okta.getAppGroupAssignment(String(app.clientId), silverSubscribers.id)).toBe(false);
    await okta.assignGroupToApp(String(app.clientId), silverSubscribers.id);
    expect(await okta.getAppGroupAssignment(String(app.clientId), silverSubscribers.id)).toBe(true);

    // The proof.
    const token = await okta.requestClientCredentialsToken({ tokenUrl: metadata.token_endpoint, clientId: String(withCredentials.clientId), clientSecret: String(withCredentials.clientSecret), scopes: ['silver'] });
    expect(token.scope).toBe('silver');
    await expect(okta.introspectToken({ introspectUrl: metadata.introspection_endpoint, clientId: introspection.id, clientSecret: introspectionSecret, token: token.accessToken })).resolves.toMatchObject({ active: true, scope: 'silver' });
    const denied = (await okta.requestClientCredentialsToken({ asId: server.id, clientId: String(app.clientId), clientSecret: String(app.clientSecret), scopes: ['platinum'] }).catch((e) => e)) as ExternalApiError;
    expect(denied).toMatchObject({ kind: 'validation', code: 'invalid_scope' });
    const gateway = async (path: string, bearer?: string) => {
      const res = await request(`${all.gateway.url}/okta-solar-proxy${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      await res.body.dump();
      return res.statusCode;
    };
    expect([await gateway('/planets'), await gateway('/planets', token.accessToken), await gateway('/moons', token.accessToken)]).toEqual([401, 200, 403]);

    // Undo, each step safe to repeat.
    await okta.unassignGroupFromApp(String(app.clientId), silverSubscribers.id);
    await anypoint.revokeContract(me.orgId, env.id, apiId, String(contract.id));
    await anypoint.deleteContract(me.orgId, env.id, apiId, String(contract.id));
    await anypoint.deleteClientApplication(me.orgId, String(app.id));
    await okta.deleteDcrClient(String(app.clientId));
    await okta.deleteDcrClient(String(app.clientId));
    await anypoint.deletePolicy(me.orgId, env.id, apiId, silverPolicy.id);
    await anypoint.deleteDeployment(me.orgId, env.id, apiId, String(deployment.id));
    await anypoint.deleteApiInstance(me.orgId, env.id, apiId);
    await anypoint.deleteApiInstance(me.orgId, env.id, apiId);
    await anypoint.deleteAsset(asset.groupId, asset.assetId, asset.version);
    await anypoint.deleteIdentityProvider(me.orgId, idp.providerId);
    await anypoint.deleteClientProvider(me.orgId, provider.providerId);
    expect(await anypoint.findClientProviderByName(me.orgId, 'Okta DCR')).toBeUndefined();
    for (const id of [sso.id, introspection.id, sso.id]) await okta.deleteApp(id);
    await okta.deleteRule(server.id, policy.id, rule.id);
    await okta.deletePolicy(server.id, policy.id);
    await okta.deleteGroup(silverSubscribers.id);
    await okta.deleteAuthorizationServer(server.id);
    await okta.deleteAuthorizationServer(server.id);
    expect(await okta.getAuthorizationServer(server.id)).toBeUndefined();
  });
});
