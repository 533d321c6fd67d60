import { links, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: System Log', () => {
  let okta: TestOkta;
  let appId: string;
  let clientId: string;
  let startedAt: string;
  beforeAll(async () => {
    okta = await startTestOkta();
    startedAt = new Date(Date.now() - 1000).toISOString();
    const app = await okta.call('POST', '/api/v1/apps', {
      json: { name: 'oidc_client', label: 'Logged app', signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } } },
    });
    appId = app.body.id;
    const group = await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'logged' } } });
    await okta.call('PUT', `/api/v1/apps/${appId}/groups/${group.body.id}`, { json: {} });
    await okta.call('POST', `/api/v1/apps/${appId}/lifecycle/deactivate`);
    await okta.call('DELETE', `/api/v1/apps/${appId}`);
    clientId = (await okta.call('POST', '/oauth2/v1/clients', { json: { client_name: 'Registered', redirect_uris: ['https://x.example/cb'] } })).body.client_id;
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  const logs = (query: string) => okta.call('GET', `/api/v1/logs?${query}`, { op: 'listLogEvents' });

  it('records app lifecycle, group assignment and DCR events with the admin as actor and the app as target', async () => {
    const res = await logs(`since=${encodeURIComponent(startedAt)}&until=${encodeURIComponent(new Date().toISOString())}`);
    const types = res.body.map((e: { eventType: string }) => e.eventType);
    expect(types).toEqual([
      'application.lifecycle.create',
      'group.lifecycle.create',
      'group.application_assignment.add',
      'application.lifecycle.deactivate',
      'application.lifecycle.delete',
      'application.lifecycle.create',
    ]);
    expect(res.body[0]).toMatchObject({ actor: { alternateId: 'admin@example.com', type: 'User' }, target: [{ id: appId, type: 'AppInstance', displayName: 'Logged app' }], outcome: { result: 'SUCCESS' } });
    expect(res.body[5]).toMatchObject({ target: [{ id: clientId }], debugContext: { debugData: { registration: 'dynamic_client_registration' } } });
    expect(res.body[0].debugContext.debugData.requestId).toBeTruthy();
  });

  it('filters with SCIM expressions and finds keywords with q', async () => {
    const filtered = await logs(`filter=${encodeURIComponent('eventType sw "group." and target.type eq "UserGroup"')}`);
    expect(filtered.body.map((e: { eventType: string }) => e.eventType)).toEqual(['group.lifecycle.create', 'group.application_assignment.add']);
    const keyword = await logs('q=Registered');
    expect(keyword.body).toHaveLength(1);
    const bounded = await logs(`until=${encodeURIComponent(startedAt)}`);
    expect(bounded.body).toEqual([]);
  });

  it('pages a bounded query with limit and after, newest first with sortOrder=DESCENDING', async () => {
    const until = encodeURIComponent(new Date().toISOString());
    const first = await logs(`until=${until}&limit=4`);
    expect(first.body).toHaveLength(4);
    const second = await okta.call('GET', links(first).next, { op: 'listLogEvents' });
    expect(second.body).toHaveLength(2);
    expect(links(second).next).toBeUndefined();
    const descending = await logs(`until=${until}&sortOrder=DESCENDING&limit=1`);
    expect(descending.body[0].eventType).toBe('application.lifecycle.create');
    expect(descending.body[0].target[0].id).toBe(clientId);
  });

  it('always links to the next poll on a polling query (no until), even when nothing is new', async () => {
    const poll = await logs('limit=100');
    const next = links(poll).next;
    expect(next).toContain('after=');
    const empty = await okta.call('GET', next, { op: 'listLogEvents' });
    expect(empty.body).toEqual([]);
    expect(links(empty).next).toBe(next);
  });

  it('is readable through the SDK', async () => {
    const sdk = await okta.sdk();
    const seen: string[] = [];
    const collection = await sdk.systemLogApi.listLogEvents({ until: new Date().toISOString(), filter: 'eventType eq "application.lifecycle.create"' });
    for await (const e of collection) seen.push(e!.eventType!);
    expect(seen).toEqual(['application.lifecycle.create', 'application.lifecycle.create']);
  });
});
