import { clientAssertion, createKeyServiceApp, newEcKey, newRsaKey, orgToken } from './support/service-app';
import { createServiceApp, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: the org authorization server (OAuth 2.0 for Okta)', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());

  const bearer = (token: string) => ({ auth: 'none' as const, headers: { authorization: `Bearer ${token}` } });

  it('issues an org access token for a private_key_jwt client that jose verifies against /oauth2/v1/keys, and publishes discovery', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage', 'okta.apps.read']);
    const granted = await orgToken(okta, app, 'okta.groups.manage okta.apps.read');
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'okta.groups.manage okta.apps.read' });
    expect(granted.headers['cache-control']).toBe('no-store');

    const verified = await okta.verifyWithJoseAt(`${okta.url}/oauth2/v1/keys`, granted.body.access_token, okta.url, okta.url);
    expect(verified.ok).toBe(true);
    expect(verified.payload).toMatchObject({ iss: okta.url, aud: okta.url, cid: app.clientId, sub: app.clientId, scp: ['okta.groups.manage', 'okta.apps.read'] });
    // Two published keys (ACTIVE and NEXT), as real orgs publish: a client must pick by kid.
    const keys = (await okta.call('GET', '/oauth2/v1/keys', { auth: 'none' })).body.keys;
    expect(keys).toHaveLength(2);
    expect(keys.map((k: { kid: string }) => k.kid)).toContain(verified.protectedHeader.kid);

    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const doc = await okta.call('GET', path, { auth: 'none' });
      expect(doc.status).toBe(200);
      // The addresses of the spec's OrgASOidcMetadata example.
      expect(doc.body).toMatchObject({
        issuer: okta.url,
        authorization_endpoint: `${okta.url}/oauth2/v1/authorize`,
        token_endpoint: `${okta.url}/oauth2/v1/token`,
        userinfo_endpoint: `${okta.url}/oauth2/v1/userinfo`,
        registration_endpoint: `${okta.url}/oauth2/v1/clients`,
        jwks_uri: `${okta.url}/oauth2/v1/keys`,
        introspection_endpoint: `${okta.url}/oauth2/v1/introspect`,
        end_session_endpoint: `${okta.url}/oauth2/v1/logout`,
      });
      expect(doc.body.scopes_supported).toEqual(expect.arrayContaining(['okta.apps.manage', 'okta.groups.manage', 'okta.authorizationServers.manage', 'okta.clients.manage']));
    }
    // Listed as Okta lists them, not emulated: the org server's own sign-in.
    expect((await okta.call('GET', '/oauth2/v1/authorize', { auth: 'none' })).body.errorCode).toBe('E0000008');
  });

  it('checks the client assertion: audience, expiry, lifetime, single-use jti, the registered key, and the method', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.read']);
    const refusedWith = async (assertion: string) => {
      const res = await orgToken(okta, app, 'okta.groups.read', assertion);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      return res.body.error_description as string;
    };
    const now = Math.floor(Date.now() / 1000);
    expect(await refusedWith(clientAssertion(okta, app, { claims: { aud: `${okta.url}/oauth2/default/v1/token` } }))).toMatch(/'aud'/);
    expect(await refusedWith(clientAssertion(okta, app, { claims: { exp: now - 10 } }))).toMatch(/expired/);
    expect(await refusedWith(clientAssertion(okta, app, { claims: { exp: now + 7200 } }))).toMatch(/more than one hour/);
    expect(await refusedWith(clientAssertion(okta, app, { claims: { jti: undefined } }))).toMatch(/'jti'/);
    expect(await refusedWith(clientAssertion(okta, app, { key: newRsaKey('other').privateKey }))).toMatch(/signature/);

    const once = clientAssertion(okta, app);
    expect((await orgToken(okta, app, 'okta.groups.read', once)).status).toBe(200);
    expect(await refusedWith(once)).toMatch(/already been used/);

    // A client-secret app cannot use the org server for Okta's APIs.
    const secretApp = await createServiceApp(okta, 'Secret client');
    const withSecret = await okta.call('POST', '/oauth2/v1/token', {
      auth: 'none',
      headers: { authorization: `Basic ${Buffer.from(`${secretApp.id}:${secretApp.secret}`).toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: 'okta.groups.read' },
    });
    expect(withSecret.status).toBe(400);
    expect(withSecret.body).toEqual({ error: 'invalid_client', error_description: 'Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.' });
  });

  it("accepts the spec's private_key_jwt algorithms, RS256/384/512 and ES256/384/512, each only with a registered key of its type and alg", async () => {
    for (const key of [newRsaKey('rs384', 'RS384'), newRsaKey('rs512', 'RS512'), newEcKey('es256'), newEcKey('es384', 'ES384'), newEcKey('es512', 'ES512')]) {
      const app = await createKeyServiceApp(okta, ['okta.groups.read'], `Signs with ${key.alg}`, { key });
      const res = await orgToken(okta, app, 'okta.groups.read');
      expect({ alg: key.alg, status: res.status, error: res.body.error_description }).toEqual({ alg: key.alg, status: 200, error: undefined });
    }
    const ec = await createKeyServiceApp(okta, ['okta.groups.read'], 'EC key, wrong alg', { key: newEcKey('es256-only') });
    // An ES384 header with a P-256 key, and an RS256 header with an EC key: no registered key fits.
    expect((await orgToken(okta, ec, 'okta.groups.read', clientAssertion(okta, ec, { alg: 'ES384' }))).body.error_description).toMatch(/signature/);
    expect((await orgToken(okta, ec, 'okta.groups.read', clientAssertion(okta, ec, { alg: 'RS256', key: newRsaKey('x').privateKey }))).body.error_description).toMatch(/signature/);
    const hs = await orgToken(okta, ec, 'okta.groups.read', clientAssertion(okta, ec, { alg: 'ES256' }).replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url')));
    expect(hs).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: expect.stringContaining('RS256, RS384, RS512, ES256, ES384, ES512') } });
    const discovery = await okta.call('GET', '/.well-known/oauth-authorization-server', { auth: 'none' });
    expect(discovery.body.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512']);
  });

  it('issues only okta.* scopes that were granted to the app', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.read']);
    const ungranted = await orgToken(okta, app, 'okta.groups.read okta.apps.manage');
    expect(ungranted.status).toBe(400);
    expect(ungranted.body.error).toBe('invalid_scope');
    expect(ungranted.body.error_description).toContain('okta.apps.manage');
    const unknown = await orgToken(okta, app, 'mulescope');
    expect(unknown.body).toEqual({ error: 'invalid_scope', error_description: 'One or more scopes are not configured for the authorization server resource.' });

    const listed = await okta.call('GET', `/api/v1/apps/${app.id}/grants`);
    expect(listed.body).toEqual([expect.objectContaining({ scopeId: 'okta.groups.read', issuer: okta.url, clientId: app.clientId, status: 'ACTIVE', source: 'ADMIN' })]);
    const badGrant = await okta.call('POST', `/api/v1/apps/${app.id}/grants`, { json: { issuer: 'https://elsewhere.example', scopeId: 'okta.nothing' } });
    expect(badGrant.status).toBe(400);
    expect(badGrant.body.errorCode).toBe('E0000001');
    expect(badGrant.body.errorCauses.map((c: { errorSummary: string }) => c.errorSummary.split(':')[0])).toEqual(['issuer', 'scopeId']);

    expect((await okta.call('DELETE', `/api/v1/apps/${app.id}/grants/${listed.body[0].id}`)).status).toBe(204);
    expect((await orgToken(okta, app, 'okta.groups.read')).status).toBe(400);
  });

  it('lets a bearer token call only what its scopes allow: 403 E0000006 with insufficient_scope naming the scope otherwise', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage', 'okta.apps.read', 'okta.clients.read']);
    const token = (await orgToken(okta, app, 'okta.groups.manage okta.apps.read okta.clients.read')).body.access_token;

    const created = await okta.call('POST', '/api/v1/groups', { ...bearer(token), json: { profile: { name: 'Scoped group' } }, op: 'addGroup' });
    expect(created.status).toBe(200);
    expect((await okta.call('GET', `/api/v1/groups/${created.body.id}`, bearer(token))).status).toBe(200);
    expect((await okta.call('GET', '/api/v1/apps', bearer(token))).status).toBe(200);
    expect((await okta.call('GET', `/oauth2/v1/clients/${app.clientId}`, bearer(token))).status).toBe(200);

    const refused = await okta.call('POST', '/api/v1/apps', { ...bearer(token), json: { name: 'oidc_client', label: 'x' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action', errorCauses: [] });
    expect(refused.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(refused.headers['www-authenticate']).toContain('scope="okta.apps.manage"');
    const servers = await okta.call('GET', '/api/v1/authorizationServers', bearer(token));
    expect(servers.status).toBe(403);
    expect(servers.headers['www-authenticate']).toContain('scope="okta.authorizationServers.read"');
    expect((await okta.call('DELETE', `/oauth2/v1/clients/${app.clientId}`, bearer(token))).status).toBe(403);

    // No user behind a service app's token.
    const me = await okta.call('GET', '/api/v1/users/me', bearer(token));
    expect(me.status).toBe(403);

    // What the client did is logged with the client as actor.
    const logs = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "group.lifecycle.create"')}`);
    expect(logs.body.at(-1).actor).toMatchObject({ id: app.clientId, type: 'PublicClientApp' });
  });

  it("needs the route's own scope, longest path first: a user's admin roles are okta.roles.read, not okta.users.read", async () => {
    const app = await createKeyServiceApp(okta, ['okta.users.read', 'okta.roles.read']);
    const me = await okta.call('GET', '/api/v1/users/me');
    const usersOnly = (await orgToken(okta, app, 'okta.users.read')).body.access_token;
    expect((await okta.call('GET', `/api/v1/users/${me.body.id}`, bearer(usersOnly))).status).toBe(200);
    const refused = await okta.call('GET', `/api/v1/users/${me.body.id}/roles`, bearer(usersOnly));
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('scope="okta.roles.read"');
    const roles = (await orgToken(okta, app, 'okta.roles.read')).body.access_token;
    expect((await okta.call('GET', `/api/v1/users/${me.body.id}/roles`, bearer(roles))).body).toEqual([expect.objectContaining({ type: 'SUPER_ADMIN' })]);
    expect((await okta.call('GET', `/api/v1/users/${me.body.id}`, bearer(roles))).status).toBe(403);
  });

  it("grants any okta.* scope of the spec's security scheme, even of an API the sandbox does not emulate, and issues it", async () => {
    const app = await createKeyServiceApp(okta, ['okta.policies.read', 'okta.serviceAccounts.okta.manage']);
    const token = await orgToken(okta, app, 'okta.policies.read okta.serviceAccounts.okta.manage');
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('okta.policies.read okta.serviceAccounts.okta.manage');
    // Well-formed but unknown to the spec: refused like any unknown scope.
    expect((await okta.call('POST', `/api/v1/apps/${app.id}/grants`, { json: { issuer: okta.url, scopeId: 'okta.madeUp.read' } })).status).toBe(400);
  });

  it('refuses unknown, expired and deactivated-client bearer tokens with 401 E0000011', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.read']);
    const token = (await orgToken(okta, app, 'okta.groups.read')).body.access_token;
    expect((await okta.call('GET', '/api/v1/groups', bearer(token))).status).toBe(200);
    const forged = await okta.call('GET', '/api/v1/groups', bearer(`${token.slice(0, -4)}AAAA`));
    expect(forged.status).toBe(401);
    expect(forged.body.errorCode).toBe('E0000011');
    expect(forged.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await okta.call('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`)).status).toBe(200);
    expect((await okta.call('GET', '/api/v1/groups', bearer(token))).status).toBe(401);
  });

  it('serves the unmodified Okta SDK in PrivateKey mode (PEM key), and its 403 for a missing scope', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage']);
    const sdk = await okta.sdk({ authorizationMode: 'PrivateKey', clientId: app.clientId, scopes: ['okta.groups.manage'], privateKey: app.privateKeyPem, keyId: app.keyId, token: undefined });
    const group = await sdk.groupApi.createGroup({ group: { profile: { name: 'Made by the SDK in PrivateKey mode' } } });
    expect((await sdk.groupApi.getGroup({ groupId: group.id! })).profile?.name).toBe('Made by the SDK in PrivateKey mode');
    // Collections are lazy: the 403 comes with the first page.
    await expect((async () => {
      const apps = await sdk.applicationApi.listApplications({});
      for await (const a of apps) void a;
    })()).rejects.toMatchObject({ status: 403, errorCode: 'E0000006' });
  });
});
