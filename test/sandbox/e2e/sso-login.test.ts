import { AllSandboxes, startAllSandboxes } from '../../../src/sandbox';
import { AnypointTestClient } from '../anypoint/support/anypoint-kit';
import { get, OktaAdmin } from './okta-support';

/*
 * SSO into Anypoint with Okta (seed 000): an OIDC web app in Okta, a manual-registration identity
 * provider in Anypoint, and the step people forget, copying Anypoint's redirect URI into the Okta app.
 */
describe('SSO into the Anypoint sandbox with the Okta sandbox', () => {
  let all: AllSandboxes;
  let okta: OktaAdmin;
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    all = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    okta = new OktaAdmin(all.okta.url, all.okta.apiToken);
    anypoint = new AnypointTestClient(all.sandboxes.anypoint);
    await anypoint.login();
  });
  afterAll(() => all?.close());

  it('fails at Okta before the redirect URI is in the Okta app, and logs ada in after', async () => {
    const web = await okta.ok('POST', '/api/v1/apps', {
      name: 'oidc_client', label: 'Anypoint Platform SSO', signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', pkce_required: false } },
      settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://localhost/placeholder'], post_logout_redirect_uris: [], consent_method: 'TRUSTED' } },
    });
    const everyone = (await okta.ok('GET', '/api/v1/groups?q=Everyone')).find((g: { profile: { name: string } }) => g.profile.name === 'Everyone');
    if (everyone) await okta.ok('PUT', `/api/v1/apps/${web.id}/groups/${everyone.id}`, {});
    const meta = await okta.ok('GET', '/oauth2/default/.well-known/openid-configuration');

    const idp = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/identityProviders`, {
      name: 'Okta SSO',
      type: { name: 'openid', description: 'OpenID Connect' },
      oidc_provider: {
        client: { credentials: { id: web.credentials.oauthClient.client_id, secret: web.credentials.oauthClient.client_secret } },
        issuer: meta.issuer,
        urls: { authorize: meta.authorization_endpoint, token: meta.token_endpoint, userinfo: meta.userinfo_endpoint },
      },
      allow_untrusted_certificates: false,
      login_disabled: false,
    });
    expect(idp.status).toBe(200);
    const redirectUri: string = idp.body.oidc_provider.urls.redirect;
    const loginUrl = `${all.anypoint.url}/accounts/login/${all.anypoint.orgDomain}?login_hint=ada@example.com`;

    const start = await get(loginUrl);
    expect(start.status).toBe(302);
    const refused = await get(start.location!);
    expect(refused.status).toBe(400);

    const app = await okta.ok('GET', `/api/v1/apps/${web.id}`);
    app.settings.oauthClient.redirect_uris = [redirectUri];
    await okta.ok('PUT', `/api/v1/apps/${web.id}`, app);

    const again = await get(loginUrl);
    const back = await get(again.location!);
    expect(back.status).toBe(302);
    expect(back.location!.startsWith(redirectUri)).toBe(true);
    const session = await get(back.location!);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ loggedIn: true, user: { username: 'ada@example.com' }, organization: { id: all.anypoint.orgId, domain: all.anypoint.orgDomain } });
    const me = await anypoint.call('GET', '/accounts/api/me', { auth: session.body.access_token });
    expect(me.body.user.username).toBe('ada@example.com');
  });
});
