import { startTestOkta, type TestOkta } from './support/okta';

const webApp = (label: string, redirect = 'https://anypoint.mulesoft.com/accounts/login/acme/providers/p1/redirect') => ({
  name: 'oidc_client',
  label,
  signOnMode: 'OPENID_CONNECT',
  credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', pkce_required: false } },
  settings: {
    oauthClient: { application_type: 'web', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [redirect], post_logout_redirect_uris: [], consent_method: 'TRUSTED' },
  },
});

describe('Okta sandbox: OIDC applications', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  it('creates a web app with 200 through the SDK: client_id is the app id, the secret comes back once', async () => {
    const sdk = await okta.sdk();
    const created = (await sdk.applicationApi.createApplication({ application: webApp('Anypoint Platform SSO') as never, activate: true })) as unknown as {
      id: string;
      status: string;
      credentials: { oauthClient: { client_id: string; client_secret?: string; pkce_required: boolean } };
      settings: { oauthClient: { consent_method: string } };
    };
    expect(created.id).toMatch(/^0oa/);
    expect(created.status).toBe('ACTIVE');
    expect(created.credentials.oauthClient.client_id).toBe(created.id);
    expect(created.credentials.oauthClient.client_secret).toHaveLength(64);
    expect(created.credentials.oauthClient.pkce_required).toBe(false);
    expect(created.settings.oauthClient.consent_method).toBe('TRUSTED');
    expect((await okta.admin.requests()).entries.at(-1)).toMatchObject({ method: 'POST', route: '/api/v1/apps', status: 200 });

    const fetched = await okta.call('GET', `/api/v1/apps/${created.id}`, { op: 'getApplication' });
    expect(fetched.body.credentials.oauthClient.client_secret).toBeUndefined();
    const secrets = await okta.call('GET', `/api/v1/apps/${created.id}/credentials/secrets`, { op: 'listOAuth2ClientSecrets' });
    expect(secrets.body).toEqual([expect.objectContaining({ status: 'ACTIVE', client_secret: created.credentials.oauthClient.client_secret })]);
  });

  it('creates INACTIVE with activate=false; public browser and native apps get no secret and pkce_required', async () => {
    const inactive = await okta.call('POST', '/api/v1/apps?activate=false', { op: 'createApplication', json: webApp('Inactive') });
    expect(inactive.body.status).toBe('INACTIVE');
    for (const type of ['browser', 'native']) {
      const res = await okta.call('POST', '/api/v1/apps', {
        op: 'createApplication',
        json: { name: 'oidc_client', label: `SPA ${type}`, signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: type, grant_types: ['authorization_code'], redirect_uris: ['http://localhost:8080/cb'] } } },
      });
      expect(res.status).toBe(200);
      expect(res.body.credentials.oauthClient).toMatchObject({ token_endpoint_auth_method: 'none', pkce_required: true });
      expect(res.body.credentials.oauthClient.client_secret).toBeUndefined();
      expect(res.body.settings.oauthClient.response_types).toEqual(['code']);
    }
  });

  it('validates the client settings and names each field', async () => {
    const call = (json: unknown) => okta.call('POST', '/api/v1/apps', { op: 'createApplication', json });
    const noRedirect = await call({ ...webApp('x'), settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code'] } } });
    expect(noRedirect.body).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: settings.oauthClient.redirect_uris' });
    const serviceWithCode = await call({ ...webApp('x'), settings: { oauthClient: { application_type: 'service', grant_types: ['authorization_code'], redirect_uris: ['https://x.example/cb'] } } });
    expect(serviceWithCode.body.errorCauses[0].errorSummary).toMatch(/^settings\.oauthClient\.grant_types: 'authorization_code' is not a valid grant type for a service application/);
    const blankLabel = await call({ ...webApp('x'), label: ' ' });
    expect(blankLabel.body.errorCauses).toEqual([{ errorSummary: 'label: The field cannot be left blank' }]);
    const bookmark = await call({ name: 'bookmark', label: 'b', signOnMode: 'BOOKMARK', settings: {} });
    expect(bookmark.body.errorSummary).toBe('Api validation failed: name');
    const browserWithSecret = await call({ ...webApp('x'), credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } }, settings: { oauthClient: { application_type: 'browser', grant_types: ['authorization_code'], redirect_uris: ['https://x.example/cb'] } } });
    expect(browserWithSecret.body.errorCauses[0].errorSummary).toBe("credentials.oauthClient.token_endpoint_auth_method: A browser application is a public client: use 'none'");
  });

  it('lists with q (prefix on name or label) and filter (status, name), paging with absolute links', async () => {
    await okta.call('POST', '/api/v1/apps', { json: webApp('MuleSoft Introspection Client') });
    await okta.call('POST', '/api/v1/apps', { json: webApp('MuleSoft Client 2') });
    await okta.call('POST', '/api/v1/apps?activate=false', { json: webApp('MuleSoft off') });
    const byLabel = await okta.call('GET', '/api/v1/apps?q=mulesoft', { op: 'listApplications' });
    expect(byLabel.body.map((a: { label: string }) => a.label)).toEqual(['MuleSoft Introspection Client', 'MuleSoft Client 2', 'MuleSoft off']);
    const active = await okta.call('GET', `/api/v1/apps?q=MuleSoft&filter=${encodeURIComponent('status eq "ACTIVE"')}`, { op: 'listApplications' });
    expect(active.body).toHaveLength(2);
    const byName = await okta.call('GET', `/api/v1/apps?filter=${encodeURIComponent('name eq "oidc_client"')}&limit=2`, { op: 'listApplications' });
    expect(byName.body).toHaveLength(2);
    expect(String(byName.headers.link)).toContain(`<${okta.url}/api/v1/apps?filter=`);
  });

  it('replaces the whole app with a raw GET→PUT (redirect URIs updated, server fields kept) and echoes the secret', async () => {
    const created = (await okta.call('POST', '/api/v1/apps', { json: webApp('SSO', 'https://placeholder.example/cb') })).body;
    const doc = (await okta.call('GET', `/api/v1/apps/${created.id}`)).body;
    doc.settings.oauthClient.redirect_uris = ['https://anypoint.mulesoft.com/accounts/login/acme/providers/real/redirect'];
    doc.settings.manualProvisioning = true;
    const replaced = await okta.call('PUT', `/api/v1/apps/${created.id}`, { op: 'replaceApplication', json: doc });
    expect(replaced.status).toBe(200);
    expect(replaced.body.settings.oauthClient.redirect_uris).toEqual(['https://anypoint.mulesoft.com/accounts/login/acme/providers/real/redirect']);
    expect(replaced.body.settings.manualProvisioning).toBe(true);
    expect(replaced.body.credentials.oauthClient.client_secret).toBe(created.credentials.oauthClient.client_secret);
    expect(replaced.body.credentials.oauthClient.client_id).toBe(created.id);
  });

  it('a replace through the SDK drops what its model lacks, and settings fall back to defaults', async () => {
    const sdk = await okta.sdk();
    const created = (await okta.call('POST', '/api/v1/apps', { json: { ...webApp('SDK replace'), settings: { ...webApp('').settings, manualProvisioning: true } } })).body;
    const app = await sdk.applicationApi.getApplication({ appId: created.id });
    app.label = 'SDK replaced';
    const replaced = (await sdk.applicationApi.replaceApplication({ appId: created.id, application: app })) as unknown as { label: string };
    expect(replaced.label).toBe('SDK replaced');
    const after = (await okta.call('GET', `/api/v1/apps/${created.id}`)).body;
    expect(after.label).toBe('SDK replaced');
    // reference/okta.md §4.7: the SDK's serializer drops settings.manualProvisioning, so the PUT resets it.
    expect(after.settings.manualProvisioning).toBe(false);
  });

  it('activates and deactivates with 200 and no body; deletes only an inactive app (403 E0000056 otherwise)', async () => {
    const sdk = await okta.sdk();
    const app = (await okta.call('POST', '/api/v1/apps', { json: webApp('Lifecycle') })).body;
    const active = await okta.call('DELETE', `/api/v1/apps/${app.id}`, { op: 'deleteApplication' });
    expect(active).toMatchObject({ status: 403, body: { errorCode: 'E0000056', errorSummary: 'Delete application forbidden.' } });
    const deactivated = await okta.call('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`, { op: 'deactivateApplication' });
    expect(deactivated).toMatchObject({ status: 200, text: '' });
    await sdk.applicationApi.activateApplication({ appId: app.id });
    expect((await okta.call('GET', `/api/v1/apps/${app.id}`)).body.status).toBe('ACTIVE');
    await sdk.applicationApi.deactivateApplication({ appId: app.id });
    await sdk.applicationApi.deleteApplication({ appId: app.id });
    const gone = await okta.call('GET', `/api/v1/apps/${app.id}`, { op: 'getApplication' });
    expect(gone.body.errorSummary).toBe(`Not found: Resource not found: ${app.id} (AppInstance)`);
  });

  it('manages client secrets: a second one (201), no deleting an active one, no deactivating the last', async () => {
    const app = (await okta.call('POST', '/api/v1/apps', { json: webApp('Secrets') })).body;
    const base = `/api/v1/apps/${app.id}/credentials/secrets`;
    const first = (await okta.call('GET', base)).body[0];
    const second = await okta.call('POST', base, { op: 'createOAuth2ClientSecret', json: {} });
    expect(second).toMatchObject({ status: 201, body: { status: 'ACTIVE' } });
    const third = await okta.call('POST', base, { op: 'createOAuth2ClientSecret', json: {} });
    expect(third.status).toBe(400);
    const deleteActive = await okta.call('DELETE', `${base}/${first.id}`, { op: 'deleteOAuth2ClientSecret' });
    expect(deleteActive.body.errorCauses[0].errorSummary).toBe("OAuth2ClientSecretMediated: You can't delete an active client secret. Deactivate the secret before deleting it.");
    expect((await okta.call('POST', `${base}/${first.id}/lifecycle/deactivate`, { op: 'deactivateOAuth2ClientSecret' })).body.status).toBe('INACTIVE');
    expect((await okta.call('POST', `${base}/${second.body.id}/lifecycle/deactivate`, { op: 'deactivateOAuth2ClientSecret' })).status).toBe(400);
    expect((await okta.call('DELETE', `${base}/${first.id}`)).status).toBe(204);
    expect((await okta.call('GET', `${base}/${second.body.id}`, { op: 'getOAuth2ClientSecret' })).body.id).toBe(second.body.id);
  });
});
