import { createServerWithScope, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: authorization server discovery and keys', () => {
  let okta: TestOkta;
  let as: { id: string; issuer: string };
  beforeAll(async () => {
    okta = await startTestOkta();
    as = await createServerWithScope(okta, 'Discovery', 'mulescope');
    await okta.call('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { json: { name: 'hidden', metadataPublish: 'NO_CLIENTS' } });
  });
  afterAll(() => okta.close());

  it('publishes the OpenID configuration: issuer, every endpoint, org-level registration, userinfo', async () => {
    const res = await okta.call('GET', `/oauth2/${as.id}/.well-known/openid-configuration`, { auth: 'none', op: 'getWellKnownOpenIDConfigurationCustomAS' });
    expect(res.status).toBe(200);
    const issuer = `${okta.url}/oauth2/${as.id}`;
    expect(res.body).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/v1/authorize`,
      token_endpoint: `${issuer}/v1/token`,
      userinfo_endpoint: `${issuer}/v1/userinfo`,
      registration_endpoint: `${okta.url}/oauth2/v1/clients`,
      jwks_uri: `${issuer}/v1/keys`,
      introspection_endpoint: `${issuer}/v1/introspect`,
      revocation_endpoint: `${issuer}/v1/revoke`,
      end_session_endpoint: `${issuer}/v1/logout`,
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('publishes the OAuth metadata without userinfo; scopes_supported lists only ALL_CLIENTS scopes', async () => {
    const res = await okta.call('GET', `/oauth2/${as.id}/.well-known/oauth-authorization-server`, { auth: 'none', op: 'getWellKnownOAuthConfigurationCustomAS' });
    expect(res.body.userinfo_endpoint).toBeUndefined();
    expect(res.body.scopes_supported).toEqual(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso', 'mulescope']);
    expect(res.body.grant_types_supported).toContain('client_credentials');
    const def = await okta.call('GET', '/oauth2/default/.well-known/oauth-authorization-server', { auth: 'none', op: 'getWellKnownOAuthConfigurationCustomAS' });
    expect(def.body.issuer).toBe(`${okta.url}/oauth2/default`);
  });

  it('answers an unknown server with 404 E0000007 and an unknown client_id with 400 invalid_client in the Okta shape', async () => {
    const unknown = await okta.call('GET', '/oauth2/ausNOPE/.well-known/openid-configuration', { auth: 'none', op: 'getWellKnownOpenIDConfigurationCustomAS' });
    expect(unknown).toMatchObject({ status: 404, body: { errorCode: 'E0000007', errorSummary: 'Not found: Resource not found: ausNOPE (AuthorizationServer)' } });
    const badClient = await okta.call('GET', `/oauth2/${as.id}/.well-known/openid-configuration?client_id=0oaNOPE`, { auth: 'none', op: 'getWellKnownOpenIDConfigurationCustomAS' });
    expect(badClient).toMatchObject({ status: 400, body: { errorCode: 'invalid_client', errorSummary: 'Invalid value for `client_id` parameter' } });
  });

  it('publishes real RSA signing keys as a JWKS', async () => {
    const res = await okta.call('GET', `/oauth2/${as.id}/v1/keys`, { auth: 'none', op: 'oauthKeysCustomAS' });
    // The ACTIVE key and the NEXT one, as real orgs publish them.
    expect(res.body.keys).toHaveLength(2);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(key.n, 'base64url')).toHaveLength(256);
    expect(key.d).toBeUndefined();
    const admin = await okta.call('GET', `/api/v1/authorizationServers/${as.id}`);
    expect(admin.body.credentials.signing.kid).toBe(key.kid);
  });
});
