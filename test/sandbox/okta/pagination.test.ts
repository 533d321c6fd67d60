import { links, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: cursor pagination', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
    for (let i = 1; i <= 7; i++) {
      await okta.call('POST', '/api/v1/groups', { json: { profile: { name: `tier-${i}` } } });
      await okta.call('POST', '/api/v1/apps', {
        json: { name: 'oidc_client', label: `App ${i}`, signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } } },
      });
      await okta.call('POST', '/api/v1/authorizationServers', { json: { name: `AS ${i}`, description: 'p', audiences: [`api://as${i}`] } });
    }
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  it('emits absolute self and next links that keep the other query parameters', async () => {
    const res = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name sw "tier"')}&limit=3`, { op: 'listGroups' });
    const { self, next } = links(res);
    expect(self).toBe(`${okta.url}/api/v1/groups?search=${encodeURIComponent('profile.name sw "tier"')}&limit=3`);
    const nextUrl = new URL(next);
    expect(nextUrl.origin).toBe(okta.url);
    expect(nextUrl.searchParams.get('search')).toBe('profile.name sw "tier"');
    expect(nextUrl.searchParams.get('after')).toBe(res.body[2].id);
    expect(nextUrl.searchParams.get('limit')).toBe('3');
    expect([res.headers.link].flat()).toHaveLength(2);
  });

  it('the SDK follows next links over several pages of groups, apps, servers and users', async () => {
    const sdk = await okta.sdk();
    await okta.admin.clearRequests();
    const names: string[] = [];
    for await (const g of await sdk.groupApi.listGroups({ limit: 2 })) names.push(g!.profile!.name!);
    expect(names).toEqual(['Everyone', ...Array.from({ length: 7 }, (_, i) => `tier-${i + 1}`)]);
    const labels: string[] = [];
    for await (const a of await sdk.applicationApi.listApplications({ limit: 3 })) labels.push((a as unknown as { label: string }).label);
    expect(labels).toEqual(Array.from({ length: 7 }, (_, i) => `App ${i + 1}`));
    const servers: string[] = [];
    for await (const s of await sdk.authorizationServerApi.listAuthorizationServers({ limit: 3 })) servers.push(s!.name!);
    expect(servers).toHaveLength(8);
    const users: string[] = [];
    for await (const u of await sdk.userApi.listUsers({ limit: 1 })) users.push(u!.profile!.login!);
    expect(users).toEqual(['admin@example.com', 'ada@example.com', 'grace@example.com']);
    // 8 groups, 2 per page: exactly 4 requests, the fourth page carries no next link.
    expect((await okta.admin.requests()).counts['GET /api/v1/groups']).toBe(4);
  });

  it('keeps its place when the item a cursor names is deleted meanwhile (a cleanup loop)', async () => {
    const first = await okta.call('GET', '/api/v1/apps?limit=3', { op: 'listApplications' });
    for (const app of first.body) {
      await okta.call('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`);
      await okta.call('DELETE', `/api/v1/apps/${app.id}`);
    }
    const second = await okta.call('GET', links(first).next, { op: 'listApplications' });
    expect(second.body.map((a: { label: string }) => a.label)).toEqual(['App 4', 'App 5', 'App 6']);
  });

  it('clamps limit to the documented maximum and ignores nonsense', async () => {
    const clamped = await okta.call('GET', '/api/v1/apps?limit=5000', { op: 'listApplications' });
    expect(clamped.body.length).toBeLessThanOrEqual(200);
    expect(links(clamped).next).toBeUndefined();
    const nonsense = await okta.call('GET', '/api/v1/authorizationServers?limit=abc', { op: 'listAuthorizationServers' });
    expect(nonsense.body).toHaveLength(8);
  });
});
