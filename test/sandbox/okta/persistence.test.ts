import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basic, createPolicyAndRule, createServerWithScope, createServiceApp, startTestOkta } from './support/okta';

describe('Okta sandbox: persistence', () => {
  it('keeps the org across a restart with stateDir: token, server keys, apps, groups and issued tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okta-sandbox-'));
    const first = await startTestOkta({ stateDir: dir });
    const as = await createServerWithScope(first, 'Persistent');
    await createPolicyAndRule(first, as.id, { grantTypes: ['client_credentials'], scopes: ['*'] });
    const client = await createServiceApp(first, 'Persistent client');
    const group = await first.call('POST', '/api/v1/groups', { json: { profile: { name: 'persisted' } } });
    const issued = await first.call('POST', `/oauth2/${as.id}/v1/token`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: { grant_type: 'client_credentials', scope: 'mulescope' } });
    const token = first.token;
    const url = first.url;
    await first.close();

    // The state file is plain JSON; keys are stored as JWK.
    const saved = JSON.parse(readFileSync(join(dir, 'okta.json'), 'utf8'));
    expect(saved.authServers[as.id].keys[0].privateJwk.kty).toBe('RSA');

    const second = await startTestOkta({ stateDir: dir });
    try {
      expect(second.token).toBe(token);
      expect(second.url).not.toBe(url);
      expect((await second.call('GET', `/api/v1/groups/${group.body.id}`, { op: 'getGroup' })).body.profile.name).toBe('persisted');
      expect((await second.call('GET', `/api/v1/apps/${client.id}`, { op: 'getApplication' })).status).toBe(200);
      // The issuer is the sandbox URL, which changed with the port: the old token's `iss` no longer
      // matches, exactly as a token from another org would not. (Same URL: see the next test.)
      const introspected = await second.call('POST', `/oauth2/${as.id}/v1/introspect`, {
        auth: 'none',
        headers: { authorization: basic(client.id, client.secret) },
        form: { token: issued.body.access_token },
        op: 'introspectCustomAS',
      });
      expect(introspected.body.active).toBe(false);
      const fresh = await second.call('POST', `/oauth2/${as.id}/v1/token`, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form: { grant_type: 'client_credentials', scope: 'mulescope' } });
      expect((await second.verifyWithJose(fresh.body.access_token, as.id, as.audience)).ok).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('keeps tokens valid across a restart on the same public URL, and a reset reseeds the same token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okta-sandbox-'));
    const publicUrl = 'http://okta.sandbox.test';
    const first = await startTestOkta({ stateDir: dir, publicUrl });
    const client = await createServiceApp(first, 'Stable');
    await first.call('POST', '/api/v1/authorizationServers/default/scopes', { json: { name: 'stable' } });
    const call = (okta: typeof first, path: string, form: Record<string, string>) => okta.call('POST', path, { auth: 'none', headers: { authorization: basic(client.id, client.secret) }, form });
    const issued = await call(first, '/oauth2/default/v1/token', { grant_type: 'client_credentials', scope: 'stable' });
    expect(issued.status).toBe(200);
    await first.close();

    const second = await startTestOkta({ stateDir: dir, publicUrl });
    try {
      const introspected = await call(second, '/oauth2/default/v1/introspect', { token: issued.body.access_token });
      expect(introspected.body).toMatchObject({ active: true, scope: 'stable', iss: `${publicUrl}/oauth2/default` });
      const token = second.token;
      await second.admin.reset();
      const me = await second.call('GET', '/api/v1/users/me');
      expect(me.status).toBe(200);
      expect(second.token).toBe(token);
    } finally {
      await second.close();
    }
  });

  it('a configured token wins over a persisted one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okta-sandbox-'));
    const first = await startTestOkta({ stateDir: dir });
    await first.close();
    const second = await startTestOkta({ stateDir: dir, apiToken: '00configuredTokenWins000000000000000000000' });
    try {
      expect(second.token).toBe('00configuredTokenWins000000000000000000000');
      expect((await second.call('GET', '/api/v1/users/me')).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
