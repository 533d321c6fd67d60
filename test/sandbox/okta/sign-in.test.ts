import { basic, createPolicyAndRule, createServerWithScope, startTestOkta, type Reply, type TestOkta } from './support/okta';

const REDIRECT = 'https://console.example/callback';
const PASSWORD = 'Pale-Blue-Dot-1990';

describe('Okta sandbox: sign-in (authn API, session tokens, the hosted sign-in page, sessions)', () => {
  let okta: TestOkta;
  let as: { id: string };
  let web: { id: string; secret: string };
  let carlId: string;

  beforeAll(async () => {
    okta = await startTestOkta();
    as = await createServerWithScope(okta, 'Console', 'console');
    const readers = (await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'readers' } } })).body.id;
    await createPolicyAndRule(okta, as.id, { grantTypes: ['authorization_code'], scopes: ['*'], groups: [readers], lifetimeMinutes: 30 });
    const app = await okta.call('POST', '/api/v1/apps', {
      json: {
        name: 'oidc_client',
        label: 'Console',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
        settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [REDIRECT], post_logout_redirect_uris: ['https://console.example/'] } },
      },
    });
    web = { id: app.body.id, secret: app.body.credentials.oauthClient.client_secret };
    await okta.call('PUT', `/api/v1/apps/${web.id}/groups/${readers}`, { json: {} });
    const carl = await okta.call('POST', '/api/v1/users?activate=true', {
      json: { profile: { login: 'carl.sagan@example.com', email: 'carl.sagan@example.com', firstName: 'Carl', lastName: 'Sagan' }, credentials: { password: { value: PASSWORD } }, groupIds: [readers] },
    });
    expect(carl.body.status).toBe('ACTIVE');
    carlId = carl.body.id;
  });
  afterAll(() => okta.close());

  const authorizeUrl = (extra: Record<string, string> = {}) =>
    `/oauth2/${as.id}/v1/authorize?${new URLSearchParams({ client_id: web.id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', state: 's1', nonce: 'n1', ...extra })}`;
  const get = (path: string, cookie?: string) => okta.call('GET', path, { auth: 'none', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
  const location = (res: Reply) => {
    expect(res.status).toBe(302);
    return new URL(String(res.headers.location), okta.localUrl);
  };
  const sessionCookie = (res: Reply) => {
    const raw = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('sid='));
    expect(raw).toMatch(/HttpOnly/);
    return String(raw).split(';')[0];
  };
  const authn = (username: string, password: string) => okta.call('POST', '/api/v1/authn', { auth: 'none', json: { username, password } });

  it('authenticates with /api/v1/authn: a one-time session token on success, E0000004 alike for a wrong password and an unknown user', async () => {
    const ok = await authn('carl.sagan@example.com', PASSWORD);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'SUCCESS', _embedded: { user: { id: carlId, profile: { login: 'carl.sagan@example.com' } } } });
    expect(typeof ok.body.sessionToken).toBe('string');
    expect(Date.parse(ok.body.expiresAt)).toBeGreaterThan(Date.now());
    // A finished transaction links nowhere (no cancel: there is no stateToken to cancel).
    expect(ok.body).not.toHaveProperty('_links');

    for (const [user, password] of [['carl.sagan@example.com', 'wrong'], ['nobody@example.com', PASSWORD], ['ada@example.com', 'anything']]) {
      const refused = await authn(user, password);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ errorCode: 'E0000004', errorSummary: 'Authentication failed' });
    }
    const blank = await authn('carl.sagan@example.com', '');
    expect(blank.status).toBe(400);
    expect(blank.body.errorCauses).toEqual([{ errorSummary: 'password: The field cannot be left blank' }]);

    const logs = await okta.call('GET', '/api/v1/logs?filter=eventType eq "user.session.start"');
    const outcomes = logs.body.map((e: { outcome: { result: string; reason?: string } }) => e.outcome.reason ?? e.outcome.result);
    expect(outcomes).toEqual(expect.arrayContaining(['SUCCESS', 'INVALID_CREDENTIALS', 'VERIFICATION_ERROR']));
  });

  it('redeems a session token at /authorize once: a code and an Okta session; the spent token then counts as no session', async () => {
    const { sessionToken } = (await authn('carl.sagan@example.com', PASSWORD)).body;
    const first = await get(authorizeUrl({ sessionToken }));
    const back = location(first);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('code')).toBeTruthy();
    const cookie = sessionCookie(first);

    const me = await okta.call('GET', '/api/v1/sessions/me', { auth: 'none', headers: { cookie } });
    expect(me.body).toMatchObject({ userId: carlId, status: 'ACTIVE', amr: ['pwd'] });

    const spent = await get(authorizeUrl({ sessionToken, prompt: 'none' }));
    expect(location(spent).searchParams.get('error')).toBe('login_required');
    // The session the token started signs the user in without a token.
    expect(location(await get(authorizeUrl({ prompt: 'none' }), cookie)).searchParams.get('code')).toBeTruthy();
  });

  it('sends a browser without a session to the hosted sign-in page and back to the same request, signed in', async () => {
    const toLogin = location(await get(authorizeUrl()));
    expect(toLogin.pathname).toBe('/login/login.htm');
    const fromURI = toLogin.searchParams.get('fromURI')!;
    expect(fromURI.startsWith(`/oauth2/${as.id}/v1/authorize?`)).toBe(true);

    const page = await get(`${toLogin.pathname}${toLogin.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="okta-signin-username"');
    expect(page.text).toContain('id="okta-signin-password"');

    const post = (password: string) =>
      okta.call('POST', '/login/login.htm', { auth: 'none', form: { username: 'carl.sagan@example.com', password, fromURI }, headers: { accept: 'text/html' } });
    const wrong = await post('not-it');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Unable to sign in');
    expect(wrong.text).not.toContain('not-it');

    const redirect = location(await post(PASSWORD));
    expect(redirect.pathname).toBe('/login/sessionCookieRedirect');
    const cookieReply = await get(`${redirect.pathname}${redirect.search}`);
    expect(location(cookieReply).toString()).toBe(new URL(fromURI, okta.localUrl).toString());
    const cookie = sessionCookie(cookieReply);

    const code = location(await get(fromURI, cookie)).searchParams.get('code')!;
    const tokens = await okta.call('POST', `/oauth2/${as.id}/v1/token`, { auth: 'none', form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, headers: { authorization: basic(web.id, web.secret) } });
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toBeTruthy();

    // prompt=login asks again even with a session.
    expect(location(await get(authorizeUrl({ prompt: 'login' }), cookie)).pathname).toBe('/login/login.htm');
  });

  it('checks the request before it asks a browser to sign in: response_type, response_mode, state and scope fail back to the client', async () => {
    for (const [extra, error] of [
      [{ response_type: 'bogus' }, 'unsupported_response_type'],
      [{ response_mode: 'carrier_pigeon' }, 'invalid_request'],
      [{ state: '' }, 'invalid_request'],
      [{ scope: 'openid nosuchscope' }, 'invalid_scope'],
    ] as [Record<string, string>, string][]) {
      const back = location(await get(authorizeUrl(extra)));
      // An unknown response_type is not 'code': its error comes in the fragment.
      const answer = back.hash ? new URLSearchParams(back.hash.slice(1)) : back.searchParams;
      expect({ extra, at: `${back.origin}${back.pathname}`, error: answer.get('error') }).toEqual({ extra, at: REDIRECT, error });
    }
  });

  const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  const idTokenFor = async (res: Reply) => {
    const code = location(res).searchParams.get('code')!;
    const tokens = await okta.call('POST', `/oauth2/${as.id}/v1/token`, { auth: 'none', form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, headers: { authorization: basic(web.id, web.secret) } });
    return claimsOf(tokens.body.id_token);
  };

  it("gives an ID token from a session the session's sign-in time as auth_time, not the time of the request", async () => {
    const { sessionToken } = (await authn('carl.sagan@example.com', PASSWORD)).body;
    const first = await get(authorizeUrl({ sessionToken }));
    const cookie = sessionCookie(first);
    const signedInAt = (await idTokenFor(first)).auth_time;
    // Into the next second, so a fresh auth_time would differ.
    await new Promise((r) => setTimeout(r, 1100));
    const later = await idTokenFor(await get(authorizeUrl(), cookie));
    expect(later.iat).toBeGreaterThan(signedInAt);
    expect(later.auth_time).toBe(signedInAt);
  });

  it("answers sessions/me as the spec's example: no mfaActive, links to itself, its refresh and the user; a refresh extends it", async () => {
    const { sessionToken } = (await authn('carl.sagan@example.com', PASSWORD)).body;
    const cookie = sessionCookie(await get(authorizeUrl({ sessionToken })));
    const me = (await okta.call('GET', '/api/v1/sessions/me', { auth: 'none', headers: { cookie } })).body;
    expect(me).not.toHaveProperty('mfaActive');
    expect(me._links).toEqual({
      self: { hints: { allow: ['GET', 'DELETE'] }, href: `${okta.url}/api/v1/sessions/me` },
      refresh: { hints: { allow: ['POST'] }, href: `${okta.url}/api/v1/sessions/me/lifecycle/refresh` },
      user: { hints: { allow: ['GET'] }, href: `${okta.url}/api/v1/users/me`, name: 'Carl Sagan' },
    });
    await new Promise((r) => setTimeout(r, 1100));
    const refreshed = await okta.call('POST', '/api/v1/sessions/me/lifecycle/refresh', { auth: 'none', headers: { cookie } });
    expect(refreshed.status).toBe(200);
    expect(Date.parse(refreshed.body.expiresAt)).toBeGreaterThan(Date.parse(me.expiresAt));
    expect(sessionCookie(refreshed)).toBe(cookie);
    expect((await okta.call('POST', '/api/v1/sessions/me/lifecycle/refresh', { auth: 'none' })).status).toBe(404);
  });

  it('redirects only to paths on the org, and ends sessions by logout', async () => {
    const { sessionToken } = (await authn('carl.sagan@example.com', PASSWORD)).body;
    const elsewhere = await okta.call('GET', `/login/sessionCookieRedirect?${new URLSearchParams({ token: sessionToken, redirectUrl: 'https://evil.example/' })}`, { auth: 'none' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errorCauses[0].errorSummary).toMatch(/^redirectUrl: /);
    const loginFromElsewhere = await get(`/login/login.htm?fromURI=${encodeURIComponent('https://evil.example/x')}`);
    expect(loginFromElsewhere.text).toContain('name="fromURI" value="/"');

    const { sessionToken: fresh } = (await authn('carl.sagan@example.com', PASSWORD)).body;
    const cookie = sessionCookie(await get(authorizeUrl({ sessionToken: fresh })));
    const refusedTarget = await get(`/oauth2/${as.id}/v1/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`, cookie);
    expect(refusedTarget.status).toBe(400);
    const out = await get(`/oauth2/${as.id}/v1/logout?post_logout_redirect_uri=${encodeURIComponent('https://console.example/')}&state=bye`, cookie);
    expect(location(out).toString()).toBe('https://console.example/?state=bye');
    expect((await okta.call('GET', '/api/v1/sessions/me', { auth: 'none', headers: { cookie } })).status).toBe(404);
    expect(location(await get(authorizeUrl(), cookie)).pathname).toBe('/login/login.htm');
  });
});
