import { createHash, randomBytes } from 'node:crypto';
import { basic, createPolicyAndRule, createServerWithScope, startTestOkta, type Reply, type TestOkta } from './support/okta';

const REDIRECT = 'https://anypoint.example/callback';

describe('Okta sandbox: authorization code, PKCE, implicit, refresh and userinfo', () => {
  let okta: TestOkta;
  let as: { id: string; issuer: string; audience: string };
  let web: { id: string; secret: string };
  let spa: string;
  let adaId: string;
  let subscribers: string;

  beforeAll(async () => {
    okta = await startTestOkta();
    as = await createServerWithScope(okta, 'SSO', 'mulescope');
    subscribers = (await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'subscribers' } } })).body.id;
    await createPolicyAndRule(okta, as.id, { grantTypes: ['authorization_code', 'implicit'], scopes: ['*'], groups: [subscribers], lifetimeMinutes: 30 });
    const webApp = await okta.call('POST', '/api/v1/apps', {
      json: {
        name: 'oidc_client',
        label: 'Web SSO',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', pkce_required: false } },
        settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code', 'refresh_token', 'implicit'], response_types: ['code', 'token', 'id_token'], redirect_uris: [REDIRECT] } },
      },
    });
    web = { id: webApp.body.id, secret: webApp.body.credentials.oauthClient.client_secret };
    const spaApp = await okta.call('POST', '/api/v1/apps', {
      json: { name: 'oidc_client', label: 'SPA', signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'browser', grant_types: ['authorization_code'], redirect_uris: [REDIRECT] } } },
    });
    spa = spaApp.body.id;
    for (const appId of [web.id, spa]) await okta.call('PUT', `/api/v1/apps/${appId}/groups/${subscribers}`, { json: {} });
    adaId = (await okta.call('GET', '/api/v1/users/ada@example.com')).body.id;
    await okta.call('PUT', `/api/v1/groups/${subscribers}/users/${adaId}`);
  });
  afterAll(() => okta.close());

  const authorize = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    okta.call('GET', `/oauth2/${as.id}/v1/authorize?${new URLSearchParams(params)}`, { auth: 'none', headers });
  const base = (clientId: string, extra: Record<string, string> = {}) => ({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile email offline_access mulescope',
    state: 'xyz',
    nonce: 'n-0S6',
    login_hint: 'ada@example.com',
    ...extra,
  });
  const redirected = (res: Reply) => {
    expect(res.status).toBe(302);
    const url = new URL(String(res.headers.location));
    return { url, params: new URLSearchParams(url.hash ? url.hash.slice(1) : url.search) };
  };
  const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    okta.call('POST', `/oauth2/${as.id}/v1/token`, { auth: 'none', form, headers, op: 'tokenCustomAS' });

  it('signs the login_hint user in, redirects with a code, and exchanges it (client secret) for access, ID and refresh tokens', async () => {
    const { url, params } = redirected(await authorize(base(web.id)));
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
    expect(params.get('state')).toBe('xyz');
    const code = params.get('code')!;

    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(web.id, web.secret) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, scope: 'openid profile email offline_access mulescope' });
    const access = await okta.verifyWithJose(res.body.access_token, as.id, as.audience);
    expect(access.payload).toMatchObject({ uid: adaId, sub: 'ada@example.com', cid: web.id, scp: ['openid', 'profile', 'email', 'offline_access', 'mulescope'] });
    const id = await okta.verifyWithJose(res.body.id_token, as.id, web.id);
    expect(id.payload).toMatchObject({ sub: adaId, nonce: 'n-0S6', email: 'ada@example.com', name: 'Ada Lovelace', preferred_username: 'ada@example.com' });
    expect(id.payload.at_hash).toBeTruthy();
    expect(res.body.refresh_token).toBeTruthy();

    // Codes are single-use.
    const reuse = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(web.id, web.secret) });
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'The authorization code is invalid or has expired.' });

    const userinfo = await okta.call('GET', `/oauth2/${as.id}/v1/userinfo`, { auth: 'none', headers: { authorization: `Bearer ${res.body.access_token}` }, op: 'userinfoCustomAS' });
    expect(userinfo.body).toMatchObject({ sub: adaId, email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace' });

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token, scope: 'openid mulescope' }, { authorization: basic(web.id, web.secret) });
    expect(refreshed.body).toMatchObject({ scope: 'openid mulescope', refresh_token: res.body.refresh_token });
    expect((await okta.verifyWithJose(refreshed.body.access_token, as.id, as.audience)).ok).toBe(true);
    const wider = await token({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token, scope: 'phone' }, { authorization: basic(web.id, web.secret) });
    expect(wider.body.error).toBe('invalid_scope');
  });

  it('exchanges a PKCE (S256) code for a public client with no secret; a wrong verifier is invalid_grant', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid mulescope' };
    const first = redirected(await authorize(base(spa, pkce))).params.get('code')!;
    const wrong = await token({ grant_type: 'authorization_code', code: first, redirect_uri: REDIRECT, client_id: spa, code_verifier: 'x'.repeat(43) });
    expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: 'PKCE verification failed.' });

    const second = redirected(await authorize(base(spa, pkce))).params.get('code')!;
    // A browser sends Origin; with a code_verifier that is what Okta wants.
    const ok = await token({ grant_type: 'authorization_code', code: second, redirect_uri: REDIRECT, client_id: spa, code_verifier: verifier }, { origin: 'http://localhost:8080' });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeUndefined();

    const noChallenge = redirected(await authorize(base(spa)));
    expect(noChallenge.params.get('error')).toBe('invalid_request');
  });

  it('refuses a redirect_uri that is not registered with a 400 page and no redirect (HTML, or JSON on request)', async () => {
    const html = await authorize(base(web.id, { redirect_uri: 'https://evil.example/cb' }), { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(html.status).toBe(400);
    expect(html.headers.location).toBeUndefined();
    expect(String(html.headers['content-type'])).toContain('text/html');
    expect(html.text).toContain("The &#39;redirect_uri&#39; parameter must be a Login redirect URI in the client app settings");
    const json = await authorize(base(web.id, { redirect_uri: `${REDIRECT}/other` }), { accept: 'application/json' });
    expect(json.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: /) });
    const unknownClient = await authorize(base('0oaNOPE'), { accept: 'application/json' });
    expect(unknownClient.body.error).toBe('invalid_client');
  });

  it('redirects login_required for an unknown or deactivated user, access_denied for an unassigned one and for no matching rule', async () => {
    expect(redirected(await authorize(base(web.id, { login_hint: 'nobody@example.com' }))).params.get('error')).toBe('login_required');
    const user = await okta.call('POST', '/api/v1/users', { json: { profile: { login: 'temp@example.com', email: 'temp@example.com', firstName: 'T', lastName: 'U' }, credentials: { password: { value: 'Passw0rd!x' } } } });
    const notAssigned = redirected(await authorize(base(web.id, { login_hint: 'temp@example.com' }))).params;
    expect([notAssigned.get('error'), notAssigned.get('error_description')]).toEqual(['access_denied', 'User is not assigned to the client application.']);
    // Assigned directly, but not in the group the rule names: policy evaluation fails.
    await okta.call('POST', `/api/v1/apps/${web.id}/users`, { json: { id: user.body.id } });
    const denied = redirected(await authorize(base(web.id, { login_hint: 'temp@example.com' }))).params;
    expect([denied.get('error'), denied.get('error_description'), denied.get('state')]).toEqual([
      'access_denied',
      'Policy evaluation failed for this request, please check the policy configurations.',
      'xyz',
    ]);
    const logs = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "app.oauth2.as.authorize" and outcome.reason eq "no_matching_policy"')}`, { op: 'listLogEvents' });
    expect(logs.body.at(-1).actor.alternateId).toBe('temp@example.com');
    await okta.call('POST', `/api/v1/users/${user.body.id}/lifecycle/deactivate`);
    expect(redirected(await authorize(base(web.id, { login_hint: 'temp@example.com' }))).params.get('error')).toBe('login_required');
  });

  it('validates the request after the redirect is trusted: state, scope, response_type', async () => {
    const { state: _s, ...noState } = base(web.id);
    expect(redirected(await authorize(noState)).params.get('error')).toBe('invalid_request');
    expect(redirected(await authorize(base(web.id, { scope: 'openid nope' }))).params.get('error')).toBe('invalid_scope');
    expect(redirected(await authorize(base(web.id, { response_type: 'magic' }))).params.get('error')).toBe('unsupported_response_type');
    expect(redirected(await authorize(base(spa, { response_type: 'token' }))).params.get('error')).toBe('unsupported_response_type');
  });

  it('issues implicit tokens in the fragment, and posts a form for response_mode=form_post', async () => {
    const { url, params } = redirected(await authorize(base(web.id, { response_type: 'token id_token', scope: 'openid mulescope' })));
    expect(url.search).toBe('');
    expect(params.get('token_type')).toBe('Bearer');
    expect(params.get('expires_in')).toBe('1800');
    const id = await okta.verifyWithJose(params.get('id_token')!, as.id, web.id);
    expect(id.payload).toMatchObject({ nonce: 'n-0S6', sub: adaId });
    expect((await okta.verifyWithJose(params.get('access_token')!, as.id, as.audience)).payload.uid).toBe(adaId);

    const form = await authorize(base(web.id, { response_mode: 'form_post' }));
    expect(form.status).toBe(200);
    expect(form.text).toContain(`action="${REDIRECT}"`);
    expect(form.text).toMatch(/name="code" value="[^"]+"/);
  });

  it('userinfo: 401 with WWW-Authenticate for a missing or machine token, 403 without openid', async () => {
    const missing = await okta.call('GET', `/oauth2/${as.id}/v1/userinfo`, { auth: 'none', op: 'userinfoCustomAS' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The access token is invalid"');
    const code = redirected(await authorize(base(web.id, { scope: 'mulescope' }))).params.get('code')!;
    const noOpenid = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(web.id, web.secret) });
    const forbidden = await okta.call('GET', `/oauth2/${as.id}/v1/userinfo`, { auth: 'none', headers: { authorization: `Bearer ${noOpenid.body.access_token}` }, op: 'userinfoCustomAS' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('puts an IDENTITY groups claim in the ID token, filtered as configured', async () => {
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/claims`, {
      json: { name: 'groups', claimType: 'IDENTITY', valueType: 'GROUPS', value: 'sub', group_filter_type: 'STARTS_WITH', conditions: { scopes: [] }, alwaysIncludeInToken: true },
    });
    const code = redirected(await authorize(base(web.id, { scope: 'openid' }))).params.get('code')!;
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(web.id, web.secret) });
    expect((await okta.verifyWithJose(res.body.id_token, as.id, web.id)).payload.groups).toEqual(['subscribers']);
  });

  it('logs successful authorizations and grants in the System Log', async () => {
    const code = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "app.oauth2.as.authorize.code"')}`, { op: 'listLogEvents' });
    expect(code.body.length).toBeGreaterThan(0);
    expect(code.body[0]).toMatchObject({ outcome: { result: 'SUCCESS' }, actor: { alternateId: 'ada@example.com', type: 'User' } });
    const idTokens = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "app.oauth2.as.token.grant.id_token"')}`, { op: 'listLogEvents' });
    expect(idTokens.body.length).toBeGreaterThan(0);
  });
});
