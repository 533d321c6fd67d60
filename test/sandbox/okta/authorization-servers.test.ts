import { startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: authorization servers, scopes, claims', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  it('ships the built-in default server with its Default Policy and Default Policy Rule', async () => {
    const sdk = await okta.sdk();
    const servers = [];
    for await (const s of await sdk.authorizationServerApi.listAuthorizationServers({})) servers.push(s);
    expect(servers.map((s) => s?.id)).toEqual(['default']);
    expect(servers[0]?.issuer).toBe(`${okta.url}/oauth2/default`);

    const policies = await okta.call('GET', '/api/v1/authorizationServers/default/policies', { op: 'listAuthorizationServerPolicies' });
    expect(policies.body).toHaveLength(1);
    expect(policies.body[0]).toMatchObject({ name: 'Default Policy', type: 'OAUTH_AUTHORIZATION_POLICY', priority: 1, conditions: { clients: { include: ['ALL_CLIENTS'] } } });
    const rules = await okta.call('GET', `/api/v1/authorizationServers/default/policies/${policies.body[0].id}/rules`, { op: 'listAuthorizationServerPolicyRules' });
    expect(rules.body[0]).toMatchObject({
      name: 'Default Policy Rule',
      conditions: { people: { groups: { include: ['EVERYONE'] } }, grantTypes: { include: expect.arrayContaining(['client_credentials', 'authorization_code']) }, scopes: { include: ['*'] } },
    });
  });

  it('creates a server with 201 through the SDK, with its own key and no policy', async () => {
    const sdk = await okta.sdk();
    const created = await sdk.authorizationServerApi.createAuthorizationServer({ authorizationServer: { name: 'Mule AS', description: 'd', audiences: ['api://mule'] } });
    expect(created.id).toMatch(/^aus/);
    expect(created.status).toBe('ACTIVE');
    expect(created.issuer).toBe(`${okta.url}/oauth2/${created.id}`);
    expect(created.credentials?.signing?.kid).toHaveLength(43);
    const log = await okta.admin.requests();
    expect(log.entries.at(-1)).toMatchObject({ method: 'POST', status: 201 });

    const policies = await okta.call('GET', `/api/v1/authorizationServers/${created.id}/policies`, { op: 'listAuthorizationServerPolicies' });
    expect(policies.body).toEqual([]);
    const keys = await okta.call('GET', `/api/v1/authorizationServers/${created.id}/credentials/keys`, { op: 'listAuthorizationServerKeys' });
    // Two keys, as Okta gives a new server: the one that signs, and the one the next rotation switches to.
    expect(keys.body).toEqual([
      expect.objectContaining({ kid: created.credentials?.signing?.kid, status: 'ACTIVE', kty: 'RSA', alg: 'RS256', use: 'sig' }),
      expect.objectContaining({ kid: expect.not.stringMatching(created.credentials?.signing?.kid ?? ''), status: 'NEXT', kty: 'RSA', alg: 'RS256', use: 'sig' }),
    ]);
  });

  it('finds servers by a q prefix over name and audiences', async () => {
    await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name: 'Planets', description: 'p', audiences: ['api://solar'] } });
    const byName = await okta.call('GET', '/api/v1/authorizationServers?q=plan', { op: 'listAuthorizationServers' });
    expect(byName.body.map((s: { name: string }) => s.name)).toEqual(['Planets']);
    const byAudience = await okta.call('GET', `/api/v1/authorizationServers?q=${encodeURIComponent('api://sol')}`, { op: 'listAuthorizationServers' });
    expect(byAudience.body.map((s: { name: string }) => s.name)).toEqual(['Planets']);
  });

  it('refuses a duplicate name, a missing audience and two audiences with E0000001 and the fields named', async () => {
    const dup = await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name: 'default', audiences: ['x'] } });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: name', errorCauses: [{ errorSummary: 'name: An object with this field already exists in the current organization' }] });
    const noAudience = await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name: 'x' } });
    expect(noAudience.body.errorCauses[0].errorSummary).toMatch(/^audiences: /);
    const two = await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name: 'y', audiences: ['a', 'b'] } });
    expect(two.body.errorCauses[0].errorSummary).toBe('audiences: Okta supports only one audience per authorization server');
  });

  it('replaces, deactivates (204), activates (204) and deletes (204) a server; gone is 404 E0000007', async () => {
    const as = await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name: 'Temp', description: 't', audiences: ['api://temp'] } });
    const id = as.body.id;
    const replaced = await okta.call('PUT', `/api/v1/authorizationServers/${id}`, { op: 'replaceAuthorizationServer', json: { name: 'Temp 2', description: 'changed', audiences: ['api://temp2'] } });
    expect(replaced).toMatchObject({ status: 200, body: { name: 'Temp 2', audiences: ['api://temp2'], issuer: `${okta.url}/oauth2/${id}` } });
    expect((await okta.call('POST', `/api/v1/authorizationServers/${id}/lifecycle/deactivate`)).status).toBe(204);
    expect((await okta.call('GET', `/api/v1/authorizationServers/${id}`, { op: 'getAuthorizationServer' })).body.status).toBe('INACTIVE');
    // An inactive server publishes nothing.
    expect((await okta.call('GET', `/oauth2/${id}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await okta.call('POST', `/api/v1/authorizationServers/${id}/lifecycle/activate`)).status).toBe(204);
    expect((await okta.call('DELETE', `/api/v1/authorizationServers/${id}`)).status).toBe(204);
    const gone = await okta.call('GET', `/api/v1/authorizationServers/${id}`, { op: 'getAuthorizationServer' });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ errorCode: 'E0000007', errorSummary: `Not found: Resource not found: ${id} (AuthorizationServer)`, errorLink: 'E0000007' });
    expect(gone.body.errorId).toMatch(/^oae/);
  });

  it('keeps the default server from being deleted', async () => {
    const res = await okta.call('DELETE', '/api/v1/authorizationServers/default');
    expect(res.status).toBe(403);
    expect(res.body.errorCode).toBe('E0000006');
  });

  it('rotates keys: the NEXT key becomes ACTIVE, the ACTIVE one EXPIRED and still published, a new NEXT made', async () => {
    const before = await okta.call('GET', '/oauth2/default/v1/keys', { op: 'oauthKeysCustomAS' });
    const [activeBefore, nextBefore] = before.body.keys.map((k: { kid: string }) => k.kid);
    const rotated = await okta.call('POST', '/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate', { op: 'rotateAuthorizationServerKeys', json: { use: 'sig' } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.map((k: { status: string }) => k.status)).toEqual(['ACTIVE', 'NEXT', 'EXPIRED']);
    expect(rotated.body[0].kid).toBe(nextBefore);
    expect(rotated.body[2].kid).toBe(activeBefore);
    const after = await okta.call('GET', '/oauth2/default/v1/keys', { op: 'oauthKeysCustomAS' });
    expect(after.body.keys.map((k: { kid: string }) => k.kid)).toEqual([nextBefore, rotated.body[1].kid, activeBefore]);
  });

  describe('scopes', () => {
    it('creates a scope with 201 through the SDK (the `_default` model field) and lists it with the system scopes', async () => {
      const sdk = await okta.sdk();
      const as = await sdk.authorizationServerApi.createAuthorizationServer({ authorizationServer: { name: 'Scopes AS', description: 'd', audiences: ['api://scopes'] } });
      const scope = await sdk.authorizationServerApi.createOAuth2Scope({
        authServerId: as.id!,
        oAuth2Scope: { name: 'mulescope', description: 'Mule', consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', _default: true },
      });
      expect(scope).toMatchObject({ name: 'mulescope', metadataPublish: 'ALL_CLIENTS', _default: true, system: false });
      expect(scope.id).toMatch(/^scp/);
      const listed = await okta.call('GET', `/api/v1/authorizationServers/${as.id}/scopes`, { op: 'listOAuth2Scopes' });
      expect(listed.body.map((s: { name: string }) => s.name)).toEqual(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso', 'mulescope']);
      expect(listed.body.find((s: { name: string }) => s.name === 'openid')).toMatchObject({ system: true });
    });

    it('keeps scope names unique per server (400 E0000001) but not across servers', async () => {
      const a = await okta.call('POST', '/api/v1/authorizationServers', { json: { name: 'A1', description: 'a', audiences: ['api://a1'] } });
      const b = await okta.call('POST', '/api/v1/authorizationServers', { json: { name: 'B1', description: 'b', audiences: ['api://b1'] } });
      const scope = { name: 'gold', description: 'Gold' };
      expect((await okta.call('POST', `/api/v1/authorizationServers/${a.body.id}/scopes`, { op: 'createOAuth2Scope', json: scope })).status).toBe(201);
      const dup = await okta.call('POST', `/api/v1/authorizationServers/${a.body.id}/scopes`, { op: 'createOAuth2Scope', json: scope });
      expect(dup).toMatchObject({ status: 400, body: { errorCode: 'E0000001', errorCauses: [{ errorSummary: 'name: An object with this field already exists in the current organization' }] } });
      expect((await okta.call('POST', `/api/v1/authorizationServers/${b.body.id}/scopes`, { op: 'createOAuth2Scope', json: scope })).status).toBe(201);
    });

    it('gets, replaces (200) and deletes (204) a scope; system scopes are read-only', async () => {
      const base = '/api/v1/authorizationServers/default/scopes';
      const created = await okta.call('POST', base, { op: 'createOAuth2Scope', json: { name: 'silver', consent: 'REQUIRED' } });
      expect(created.body).toMatchObject({ consent: 'REQUIRED', metadataPublish: 'NO_CLIENTS', default: false });
      expect((await okta.call('GET', `${base}/${created.body.id}`, { op: 'getOAuth2Scope' })).body.name).toBe('silver');
      const replaced = await okta.call('PUT', `${base}/${created.body.id}`, { op: 'replaceOAuth2Scope', json: { name: 'silver', metadataPublish: 'ALL_CLIENTS', default: true } });
      expect(replaced.body).toMatchObject({ metadataPublish: 'ALL_CLIENTS', default: true });
      expect((await okta.call('DELETE', `${base}/${created.body.id}`)).status).toBe(204);
      expect((await okta.call('GET', `${base}/${created.body.id}`, { op: 'getOAuth2Scope' })).status).toBe(404);
      const openid = (await okta.call('GET', `${base}?q=openid`, { op: 'listOAuth2Scopes' })).body[0];
      expect((await okta.call('DELETE', `${base}/${openid.id}`)).status).toBe(403);
    });
  });

  describe('claims', () => {
    it('creates (201), lists, replaces and deletes a claim; names are unique per claim type', async () => {
      const base = '/api/v1/authorizationServers/default/claims';
      const body = { name: 'tier', status: 'ACTIVE', claimType: 'RESOURCE', valueType: 'EXPRESSION', value: '"gold"', conditions: { scopes: [] }, alwaysIncludeInToken: true };
      const created = await okta.call('POST', base, { op: 'createOAuth2Claim', json: body });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'tier', claimType: 'RESOURCE', system: false });
      const dup = await okta.call('POST', base, { op: 'createOAuth2Claim', json: body });
      expect(dup.body.errorSummary).toBe('Api validation failed: name');
      expect((await okta.call('GET', base, { op: 'listOAuth2Claims' })).body).toHaveLength(1);
      const groups = await okta.call('PUT', `${base}/${created.body.id}`, { op: 'replaceOAuth2Claim', json: { ...body, valueType: 'GROUPS', value: 'silver', group_filter_type: 'STARTS_WITH' } });
      expect(groups.body).toMatchObject({ valueType: 'GROUPS', group_filter_type: 'STARTS_WITH' });
      expect((await okta.call('GET', `${base}/${created.body.id}`, { op: 'getOAuth2Claim' })).body.value).toBe('silver');
      expect((await okta.call('DELETE', `${base}/${created.body.id}`)).status).toBe(204);
    });

    it('refuses a reserved claim name', async () => {
      const res = await okta.call('POST', '/api/v1/authorizationServers/default/claims', { op: 'createOAuth2Claim', json: { name: 'sub', claimType: 'RESOURCE', valueType: 'EXPRESSION', value: 'user.login' } });
      expect(res.body).toMatchObject({ errorCode: 'E0000001', errorCauses: [{ errorSummary: "name: 'sub' is a reserved claim name" }] });
    });
  });
});
