import { basic, createPolicyAndRule, createServerWithScope, createServiceApp, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: client_credentials tokens', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());

  const tokenRequest = (asId: string, client: { id: string; secret: string }, form: Record<string, string>, headers: Record<string, string> = {}) =>
    okta.call('POST', `/oauth2/${asId}/v1/token`, { auth: 'none', headers: { authorization: basic(client.id, client.secret), ...headers }, form, op: 'tokenCustomAS' });

  it('issues a JWT that jose verifies against /v1/keys and that introspects active with its scope, once a policy and rule exist', async () => {
    const as = await createServerWithScope(okta, 'Solar system');
    const client = await createServiceApp(okta, 'Mule client');

    // A new server has no policy: the request is refused and the System Log says why.
    const refused = await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'access_denied', error_description: 'Policy evaluation failed for this request, please check the policy configurations.' });
    const failures = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('outcome.result eq "FAILURE" and outcome.reason eq "no_matching_policy"')}`, { op: 'listLogEvents' });
    expect(failures.body).toHaveLength(1);
    expect(failures.body[0]).toMatchObject({ eventType: 'app.oauth2.as.token.grant', actor: { id: client.id, type: 'PublicClientApp' }, target: [{ id: client.id, type: 'AppInstance' }] });

    const { ruleId } = await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['mulescope'], lifetimeMinutes: 15 });
    const granted = await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'mulescope' });
    expect(granted.body.refresh_token).toBeUndefined();
    expect(granted.body.id_token).toBeUndefined();
    expect(granted.headers['cache-control']).toBe('no-store');

    const verified = await okta.verifyWithJose(granted.body.access_token, as.id, as.audience);
    expect(verified.ok).toBe(true);
    expect(verified.protectedHeader.alg).toBe('RS256');
    // Signed by the ACTIVE key, chosen from the JWKS's two keys by kid (the NEXT key would not verify it).
    const keys = (await okta.call('GET', `/oauth2/${as.id}/v1/keys`, { auth: 'none' })).body.keys as { kid: string }[];
    const active = (await okta.call('GET', `/api/v1/authorizationServers/${as.id}/credentials/keys`)).body.find((k: { status: string }) => k.status === 'ACTIVE');
    expect(keys).toHaveLength(2);
    expect(verified.protectedHeader.kid).toBe(active.kid);
    expect(verified.payload).toMatchObject({ ver: 1, iss: as.issuer, aud: as.audience, cid: client.id, scp: ['mulescope'], sub: client.id });
    expect(verified.payload.jti).toMatch(/^AT\./);
    expect(verified.payload.uid).toBeUndefined();
    expect(verified.payload.exp - verified.payload.iat).toBe(900);

    const introspected = await okta.call('POST', `/oauth2/${as.id}/v1/introspect`, {
      auth: 'none',
      headers: { authorization: basic(client.id, client.secret) },
      form: { token: granted.body.access_token, token_type_hint: 'access_token' },
      op: 'introspectCustomAS',
    });
    expect(introspected.status).toBe(200);
    expect(introspected.body).toMatchObject({ active: true, token_type: 'Bearer', scope: 'mulescope', client_id: client.id, sub: client.id, aud: as.audience, iss: as.issuer, jti: verified.payload.jti });

    const success = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "app.oauth2.as.token.grant.access_token"')}`, { op: 'listLogEvents' });
    expect(success.body.at(-1)).toMatchObject({ outcome: { result: 'SUCCESS' }, debugContext: { debugData: { grantType: 'client_credentials', requestedScopes: 'mulescope' } } });

    // Without the rule it is refused again.
    const { body: policies } = await okta.call('GET', `/api/v1/authorizationServers/${as.id}/policies`);
    expect((await okta.call('DELETE', `/api/v1/authorizationServers/${as.id}/policies/${policies[0].id}/rules/${ruleId}`)).status).toBe(204);
    const again = await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' });
    expect(again.status).toBe(403);
    expect(again.body.error).toBe('access_denied');
  });

  it('a token from another server, an unknown string, an expired and a deactivated client all introspect as {active:false}', async () => {
    const as = await createServerWithScope(okta, 'Inactive checks');
    const client = await createServiceApp(okta, 'Inactive client');
    await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['*'] });
    const token = (await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' })).body.access_token as string;
    const introspect = (server: string, t: string) =>
      okta.call('POST', `/oauth2/${server}/v1/introspect`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: { token: t }, op: 'introspectCustomAS' });

    expect((await introspect(as.id, token)).body.active).toBe(true);
    expect((await introspect('default', token)).body).toEqual({ active: false });
    expect((await introspect(as.id, 'not-a-token')).body).toEqual({ active: false });
    await okta.admin.post('/okta/tokens/expire', {});
    expect((await introspect(as.id, token)).body).toEqual({ active: false });

    const fresh = (await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' })).body.access_token as string;
    const introspector = await createServiceApp(okta, 'Introspection client');
    const byOther = await okta.call('POST', `/oauth2/${as.id}/v1/introspect`, { auth: 'none', headers: { authorization: basic(introspector.id, introspector.secret) }, form: { token: fresh } });
    expect(byOther.body.active).toBe(true);
    await okta.call('POST', `/api/v1/apps/${client.id}/lifecycle/deactivate`);
    const afterDeactivation = await okta.call('POST', `/oauth2/${as.id}/v1/introspect`, { auth: 'none', headers: { authorization: basic(introspector.id, introspector.secret) }, form: { token: fresh } });
    expect(afterDeactivation.body).toEqual({ active: false });
  });

  it('honours the matching rule: the first policy by priority whose rule covers every requested scope', async () => {
    const as = await createServerWithScope(okta, 'Priorities', 'gold');
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { json: { name: 'silver' } });
    const client = await createServiceApp(okta, 'Priority client');
    // Rule 1 covers only silver (5 minutes), rule 2 everything (120 minutes).
    const { policyId } = await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['silver'], lifetimeMinutes: 5 });
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/policies/${policyId}/rules`, {
      op: 'createAuthorizationServerPolicyRule',
      json: { type: 'RESOURCE_ACCESS', name: 'all', priority: 2, conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['*'] } }, actions: { token: { accessTokenLifetimeMinutes: 120 } } },
    });
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'silver' })).body.expires_in).toBe(300);
    // Asking for one scope rule 1 does not cover skips it entirely.
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'silver gold' })).body.expires_in).toBe(7200);
  });

  it('applies a policy only to the clients it names', async () => {
    const as = await createServerWithScope(okta, 'Named clients');
    const allowed = await createServiceApp(okta, 'Allowed');
    const other = await createServiceApp(okta, 'Other');
    await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['mulescope'], clients: [allowed.id] });
    expect((await tokenRequest(as.id, allowed, { grant_type: 'client_credentials', scope: 'mulescope' })).status).toBe(200);
    expect((await tokenRequest(as.id, other, { grant_type: 'client_credentials', scope: 'mulescope' })).status).toBe(403);
  });

  it('falls back to default scopes when scope is omitted, and says so when there are none', async () => {
    const as = await createServerWithScope(okta, 'Defaults');
    const client = await createServiceApp(okta, 'Defaults client');
    await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['*'] });
    const none = await tokenRequest(as.id, client, { grant_type: 'client_credentials' });
    expect(none).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope', error_description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided." },
    });
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { json: { name: 'basic', default: true } });
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials' })).body.scope).toBe('basic');
  });

  it('refuses unknown scopes, OIDC scopes and a blank scope with invalid_scope', async () => {
    const as = await createServerWithScope(okta, 'Scope errors');
    const client = await createServiceApp(okta, 'Scope client');
    await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['*'] });
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope nope' })).body).toEqual({
      error: 'invalid_scope',
      error_description: 'One or more scopes are not configured for the authorization server resource.',
    });
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'openid' })).body.error_description).toBe('Client Credentials requests cannot contain OpenID Connect scopes.');
    expect((await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: ' ' })).body.error_description).toBe('No scopes were requested.');
  });

  it('carries the server’s RESOURCE claims whose scope condition the grant meets', async () => {
    const as = await createServerWithScope(okta, 'Claims');
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { json: { name: 'other' } });
    const client = await createServiceApp(okta, 'Claims client');
    await createPolicyAndRule(okta, as.id, { grantTypes: ['client_credentials'], scopes: ['*'] });
    const claim = (name: string, value: string, scopes: string[]) =>
      okta.call('POST', `/api/v1/authorizationServers/${as.id}/claims`, { json: { name, claimType: 'RESOURCE', valueType: 'EXPRESSION', value, conditions: { scopes } } });
    await claim('tier', '"gold"', []);
    await claim('onlyOther', '"x"', ['other']);
    await claim('login', 'user.login', []);
    const res = await tokenRequest(as.id, client, { grant_type: 'client_credentials', scope: 'mulescope' });
    const { payload } = await okta.verifyWithJose(res.body.access_token, as.id, as.audience);
    expect(payload.tier).toBe('gold');
    expect(payload.onlyOther).toBeUndefined();
    // A user expression has no value without a user.
    expect(payload.login).toBeUndefined();
  });

  it('works on the default server out of the box (Default Policy Rule)', async () => {
    const client = await createServiceApp(okta, 'Default AS client');
    await okta.call('POST', '/api/v1/authorizationServers/default/scopes', { json: { name: 'api.read' } });
    const res = await tokenRequest('default', client, { grant_type: 'client_credentials', scope: 'api.read' });
    expect(res.status).toBe(200);
    expect((await okta.verifyWithJose(res.body.access_token, 'default', 'api://default')).ok).toBe(true);
  });
});
