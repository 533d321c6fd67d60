/* eslint-disable @typescript-eslint/no-explicit-any -- pages and JSON bodies alike. */
import { request } from 'undici';
import { AnypointTestClient, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

function manualBody(idp: StrictProvider, clientId: string, clientSecret: string, name = 'Manual SSO') {
  return {
    name,
    type: { name: 'openid', description: 'OpenID Connect' },
    oidc_provider: {
      client: { credentials: { id: clientId, secret: clientSecret } },
      issuer: idp.issuer,
      urls: { authorize: idp.urls.authorize, token: idp.urls.token, userinfo: idp.urls.userinfo },
    },
    allow_untrusted_certificates: false,
    login_disabled: false,
  };
}

describe('Anypoint identity providers (OpenID Connect SSO)', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let base: string;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
    base = `/accounts/api/organizations/${anypoint.org}/identityProviders`;
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  it('creates a manual-registration provider with a generated redirect URI and SP sign-on URL', async () => {
    const created = await anypoint.post(base, manualBody(idp, 'web-client', 'web-secret'));
    expect(created.status).toBe(200);
    expectResponseMatchesSpec(specs.idp(), 'POST /organizations/{orgId}/identityProviders', 200, created.body);
    const id = created.body.provider_id;
    expect(created.body.oidc_provider.urls.redirect).toBe(`${anypoint.sandbox.url}/accounts/login/${anypoint.sandbox.orgDomain}/providers/${id}/redirect`);
    expect(created.body.service_provider.urls.sign_on).toBe(`${anypoint.sandbox.url}/accounts/login/${anypoint.sandbox.orgDomain}/providers/${id}`);
    const read = await anypoint.get(`${base}/${id}`);
    expectResponseMatchesSpec(specs.idp(), 'GET /organizations/{orgId}/identityProviders/{idpId}', 200, read.body);
    expect(read.body.oidc_provider.client.credentials).toEqual({ id: 'web-client' });
  });

  it('creates a dynamic-registration provider by registering a web client at the IdP with the redirect URI', async () => {
    const created = await anypoint.post(base, {
      name: 'Dynamic SSO',
      type: { name: 'openid' },
      oidc_provider: {
        client: { urls: { register: idp.urls.register }, registration: { authorization: `Bearer ${idp.registrationToken}` }, metadata: { name: 'Anypoint SSO' } },
        issuer: idp.issuer,
        urls: { authorize: idp.urls.authorize, token: idp.urls.token, userinfo: idp.urls.userinfo },
      },
    });
    expect(created.status).toBe(200);
    expectResponseMatchesSpec(specs.idp(), 'POST /organizations/{orgId}/identityProviders', 200, created.body);
    const clientId = created.body.oidc_provider.client.credentials.id;
    expect(await idp.client(clientId)).toMatchObject({ client_name: 'Anypoint SSO', redirect_uris: [created.body.oidc_provider.urls.redirect], grant_types: ['authorization_code'] });
    expect(created.body.oidc_provider.client.registration.authorization).toBe('Bearer ********');
  });

  it('lists summaries, patches and deletes', async () => {
    const created = await anypoint.post(base, manualBody(idp, 'c', 's', 'Short-lived'));
    const list = await anypoint.get(base);
    expectResponseMatchesSpec(specs.idp(), 'GET /organizations/{orgId}/identityProviders', 200, list.body);
    expect(list.body.data.map((p: { name: string }) => p.name)).toContain('Short-lived');
    const patched = await anypoint.patch(`${base}/${created.body.provider_id}`, { name: 'Renamed', oidc_provider: { group_scope: 'groups' } });
    expect(patched.status).toBe(200);
    expectResponseMatchesSpec(specs.idp(), 'PATCH /organizations/{orgId}/identityProviders/{idpId}', 200, patched.body);
    expect(patched.body).toMatchObject({ name: 'Renamed', oidc_provider: { group_scope: 'groups' } });
    expect((await anypoint.delete(`${base}/${created.body.provider_id}`)).status).toBe(204);
    const gone = await anypoint.get(`${base}/${created.body.provider_id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toBe('This resource does not exist');
  });

  it('rejects a body that is neither manual nor dynamic registration', async () => {
    const res = await anypoint.post(base, { name: 'x', type: { name: 'openid' }, oidc_provider: { client: {}, urls: { authorize: 'a', token: 't', userinfo: 'u' } } });
    expect(res.status).toBe(400);
  });
});

describe('SSO login into Anypoint through an OIDC identity provider', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  // A browser: keeps cookies (the provider's login session lives in them) and follows nothing by itself.
  const cookies = new Map<string, string>();
  async function follow(url: string) {
    const res = await request(url, { method: 'GET', headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {} });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.body.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* an HTML page */
    }
    return { status: res.statusCode, location: res.headers.location as string | undefined, body, text, headers: res.headers };
  }

  /** Follows redirects while they stay at the IdP (authorize → login page → authorize), as a browser would. */
  async function throughIdp(url: string) {
    let res = await follow(url);
    while (res.location && new URL(res.location, url).origin === new URL(idp.issuer).origin) res = await follow(new URL(res.location, idp.issuer).href);
    return res;
  }

  it('fails at the IdP until the IdP knows the redirect URI, then logs the user in', async () => {
    let web = await idp.registerClient({ client_name: 'Anypoint SSO (manual)', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://localhost/placeholder'] });
    const created = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/identityProviders`, manualBody(idp, web.client_id, web.client_secret));
    const redirectUri = created.body.oidc_provider.urls.redirect;

    const start = await follow(`${anypoint.sandbox.url}/accounts/login/${anypoint.sandbox.orgDomain}?login_hint=ada@example.com`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.location!);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ client_id: web.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile email', login_hint: 'ada@example.com' });
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const refused = await follow(start.location!);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('redirect_uri');

    web = await idp.updateClient(web, { redirect_uris: ['http://localhost/placeholder', redirectUri] });
    const again = await follow(`${anypoint.sandbox.url}/accounts/login/${anypoint.sandbox.orgDomain}?login_hint=ada@example.com`);
    const back = await throughIdp(again.location!);
    expect(back.status).toBe(303);
    expect(back.location!.startsWith(redirectUri)).toBe(true);
    const session = await follow(back.location!);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ loggedIn: true, user: { username: 'ada@example.com', email: 'ada@example.com' }, organization: { id: anypoint.org, domain: anypoint.sandbox.orgDomain } });
    expect(String(session.headers['set-cookie'])).toContain('anypoint_session=');
    const me = await anypoint.call('GET', '/accounts/api/me', { auth: session.body.access_token });
    expect(me.body.user).toMatchObject({ username: 'ada@example.com', organization: { id: anypoint.org } });

    const replay = await follow(back.location!);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_state');
  });

  it('reports an unknown domain as 404', async () => {
    expect((await follow(`${anypoint.sandbox.url}/accounts/login/not-our-domain`)).status).toBe(404);
  });
});
