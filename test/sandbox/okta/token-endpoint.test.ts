import { basic, createPolicyAndRule, createServerWithScope, createServiceApp, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: token endpoint refusals and client authentication', () => {
  let okta: TestOkta;
  let asId: string;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    okta = await startTestOkta();
    asId = (await createServerWithScope(okta, 'Token errors')).id;
    await createPolicyAndRule(okta, asId, { grantTypes: ['client_credentials', 'password'], scopes: ['*'], groups: ['EVERYONE'] });
    client = await createServiceApp(okta, 'Token client');
  });
  afterAll(() => okta.close());

  const post = (form: Record<string, string>, headers: Record<string, string> = {}) => okta.call('POST', `/oauth2/${asId}/v1/token`, { auth: 'none', form, headers, op: 'tokenCustomAS' });
  const cc = { grant_type: 'client_credentials', scope: 'mulescope' };

  it('refuses a browser request (Origin header) without PKCE: 401, the words of seed 004', async () => {
    const res = await post(cc, { authorization: basic(client.id, client.secret), origin: 'https://www.getpostman.com' });
    expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'Browser requests to the token endpoint must use Proof Key for Code Exchange.' } });
  });

  it('distinguishes no credentials (401), an unknown client (401), a wrong secret (401) and two credentials (400)', async () => {
    expect((await post(cc)).body).toEqual({ error: 'invalid_client', error_description: 'No client credentials found' });
    expect((await post(cc, { authorization: basic('0oaNOPE', 'x') })).body).toEqual({ error: 'invalid_client', error_description: "Invalid value for 'client_id' parameter." });
    const wrong = await post(cc, { authorization: basic(client.id, 'wrong-secret') });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'The client secret supplied for a confidential client is invalid.' } });
    const both = await post({ ...cc, client_id: client.id, client_secret: client.secret }, { authorization: basic(client.id, client.secret) });
    expect(both.status).toBe(400);
    expect(both.body.error_description).toMatch(/^Can't supply multiple client credentials/);
  });

  it('enforces the configured token_endpoint_auth_method: basic and post are not interchangeable', async () => {
    const asPost = await post({ ...cc, client_id: client.id, client_secret: client.secret });
    expect(asPost).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const postClient = await okta.call('POST', '/api/v1/apps', {
      json: {
        name: 'oidc_client',
        label: 'Post client',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_post' } },
        settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } },
      },
    });
    const ok = await post({ ...cc, client_id: postClient.body.id, client_secret: postClient.body.credentials.oauthClient.client_secret });
    expect(ok.status).toBe(200);
  });

  it('refuses a deactivated app with invalid_client', async () => {
    const app = await createServiceApp(okta, 'Soon inactive');
    await okta.call('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`);
    expect((await post(cc, { authorization: basic(app.id, app.secret) })).body).toEqual({ error: 'invalid_client', error_description: "Invalid value for 'client_id' parameter." });
  });

  it('refuses a grant the app is not configured for with unauthorized_client, listing what it has', async () => {
    const res = await post({ grant_type: 'password', username: 'ada@example.com', password: 'x', scope: 'mulescope' }, { authorization: basic(client.id, client.secret) });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'The client is not authorized to use the provided grant type. Configured grant types: [client_credentials].' },
    });
  });

  it('refuses missing and unsupported grant types, and bodies that are not form-encoded', async () => {
    expect((await post({ scope: 'mulescope' }, { authorization: basic(client.id, client.secret) })).body.error).toBe('invalid_request');
    expect((await post({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, { authorization: basic(client.id, client.secret) })).body).toEqual({
      error: 'unsupported_grant_type',
      error_description: "The grant type in the request isn't supported.",
    });
    const json = await okta.call('POST', `/oauth2/${asId}/v1/token`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, json: cc });
    expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('issues password-grant tokens for a user with a password, and refuses wrong credentials', async () => {
    const web = await okta.call('POST', '/api/v1/apps', {
      json: {
        name: 'oidc_client',
        label: 'Native',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
        settings: { oauthClient: { application_type: 'native', grant_types: ['authorization_code', 'password'], redirect_uris: ['com.example:/cb'] } },
      },
    });
    const secret = web.body.credentials.oauthClient.client_secret;
    const everyone = (await okta.call('GET', '/api/v1/groups?q=Everyone')).body[0].id;
    await okta.call('PUT', `/api/v1/apps/${web.body.id}/groups/${everyone}`, { json: {} });
    await okta.call('POST', '/api/v1/users', { json: { profile: { login: 'pw@example.com', email: 'pw@example.com', firstName: 'P', lastName: 'W' }, credentials: { password: { value: 'Correct-Horse-9' } } } });
    const ok = await post({ grant_type: 'password', username: 'pw@example.com', password: 'Correct-Horse-9', scope: 'openid mulescope' }, { authorization: basic(web.body.id, secret) });
    expect(ok.status).toBe(200);
    expect(ok.body.id_token).toBeTruthy();
    const bad = await post({ grant_type: 'password', username: 'pw@example.com', password: 'nope', scope: 'mulescope' }, { authorization: basic(web.body.id, secret) });
    expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'The credentials provided were invalid.' });
  });

  it('revokes a token (200) so it introspects inactive; introspection needs client authentication', async () => {
    const issued = (await post(cc, { authorization: basic(client.id, client.secret) })).body.access_token;
    const unauthenticated = await okta.call('POST', `/oauth2/${asId}/v1/introspect`, { auth: 'none', form: { token: issued }, op: 'introspectCustomAS' });
    expect(unauthenticated).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'No client credentials found' } });
    const noToken = await okta.call('POST', `/oauth2/${asId}/v1/introspect`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: {}, op: 'introspectCustomAS' });
    expect(noToken.body).toEqual({ error: 'invalid_request', error_description: 'The `token` parameter is required.' });
    const revoked = await okta.call('POST', `/oauth2/${asId}/v1/revoke`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: { token: issued }, op: 'revokeCustomAS' });
    expect(revoked).toMatchObject({ status: 200, text: '' });
    const after = await okta.call('POST', `/oauth2/${asId}/v1/introspect`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: { token: issued }, op: 'introspectCustomAS' });
    expect(after.body).toEqual({ active: false });
  });

  it('logs every refusal as an app.oauth2.as.token.grant FAILURE with the OAuth error as reason', async () => {
    const logs = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "app.oauth2.as.token.grant"')}&limit=1000`, { op: 'listLogEvents' });
    const reasons = new Set(logs.body.map((e: { outcome: { reason: string } }) => e.outcome.reason));
    expect([...reasons]).toEqual(expect.arrayContaining(['invalid_client', 'invalid_request', 'unauthorized_client', 'unsupported_grant_type', 'invalid_grant']));
  });
});
