import { ExternalApiError } from '../../src/clients/errors';
import { OktaClient } from '../../src/clients/okta';
import { OKTA_WORKER_SCOPES } from '../../src/config/tenant-schema';
import { startTestOkta, type TestOkta } from '../sandbox/okta/support/okta';
import { createKeyServiceApp, type ServiceApp } from '../sandbox/okta/support/service-app';

/*
 * The Okta client acting as an OAuth 2.0 service app (the SDK's PrivateKey mode) against the sandbox's
 * org authorization server: the SDK's calls and the undici ones send the same access token, and a
 * missing scope is an error that names the scope and the fix.
 */
describe('OktaClient with OAuth 2.0 for Okta (okta.oauth)', () => {
  let okta: TestOkta;
  const clients: OktaClient[] = [];
  const clientFor = (app: ServiceApp, scopes: string[], privateKey = app.privateKeyPem) => {
    const client = new OktaClient({ orgUrl: okta.url, oauth: { clientId: app.clientId, privateKey, keyId: app.keyId, scopes }, readRetry: false });
    clients.push(client);
    return client;
  };
  const failure = async (p: Promise<unknown>): Promise<ExternalApiError> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ExternalApiError) return err;
      throw err;
    }
    throw new Error('expected a failure');
  };

  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await okta.close();
  });

  it('passes the preflight without users/me, and creates through the SDK and reads through undici with the worker scopes', async () => {
    const app = await createKeyServiceApp(okta, OKTA_WORKER_SCOPES);
    const client = clientFor(app, OKTA_WORKER_SCOPES);
    expect(client.usesOAuth).toBe(true);
    await expect(client.verifyApiToken()).resolves.toEqual({ clientId: app.clientId });
    const server = await client.createAuthorizationServer({ name: 'oauth-mode', description: 'made by a service app', audiences: ['api://oauth-mode'] });
    expect(await client.findAuthorizationServerByName('oauth-mode')).toMatchObject({ id: server.id });
    const group = await client.createGroup({ name: 'oauthModeGroup', description: 'd' });
    expect(await client.findGroupByName('oauthModeGroup')).toMatchObject({ id: group.id });
    // undici path (raw app document, DCR view) with the same bearer token.
    expect(await client.getAppRaw(app.id)).toMatchObject({ id: app.id });
    expect(await client.getDcrClient(app.clientId)).toMatchObject({ client_id: app.clientId });

    // Okta's System Log shows the service app, not an admin, as the actor.
    const logs = await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "group.lifecycle.create"')}`);
    expect(logs.body.at(-1).actor).toMatchObject({ id: app.clientId, type: 'PublicClientApp' });
  });

  it('a scope the token lacks fails the call with the scope and the fix named, and no secret in the text', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage']);
    const client = clientFor(app, ['okta.groups.manage']);
    const err = await failure(client.createAuthorizationServer({ name: 'not-allowed', description: 'd', audiences: ['api://x'] }));
    expect(err.status).toBe(403);
    expect(err.code).toBe('E0000006');
    expect(err.message).toContain('the access token lacks the scope okta.authorizationServers.manage');
    expect(err.fix).toContain('Grant okta.authorizationServers.manage to the service app');
    expect(err.fix).toContain('okta.oauth.scopes');
    // The preflight reads authorization servers, so it catches this before any side effect.
    const preflight = await failure(client.verifyApiToken());
    expect(preflight.message).toContain('okta.authorizationServers.read');
    expect(`${err.message} ${err.fix} ${preflight.message}`).not.toContain('PRIVATE KEY');
  });

  it('a configured scope that was never granted fails at the token request, naming the scopes and where to grant them', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage']);
    const client = clientFor(app, ['okta.groups.manage', 'okta.apps.manage']);
    const err = await failure(client.verifyApiToken());
    expect(err.operation).toBe('get an access token for the Okta service app (okta.oauth)');
    expect(err.code).toBe('invalid_scope');
    expect(err.message).toContain('okta.apps.manage');
    expect(err.fix).toContain('Okta API Scopes');
    expect(err.fix).toContain('okta.groups.manage, okta.apps.manage');
  });

  it('a private key that does not match the registered one is an auth error pointing at okta.oauth', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage']);
    const other = await createKeyServiceApp(okta, []);
    const err = await failure(clientFor(app, ['okta.groups.manage'], other.privateKeyPem).verifyApiToken());
    expect(err.status).toBe(401);
    expect(err.kind).toBe('auth');
    expect(err.fix).toContain('okta.oauth.privateKey');
    expect(`${err.message} ${err.fix}`).not.toContain(other.privateKeyPem.split('\n')[1]);
  });
});
