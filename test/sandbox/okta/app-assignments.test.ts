import { createServiceApp, links, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: app group and user assignments', () => {
  let okta: TestOkta;
  let appId: string;
  let gold: string;
  let silver: string;
  beforeAll(async () => {
    okta = await startTestOkta();
    appId = (await createServiceApp(okta, 'Assigned client')).id;
    gold = (await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'goldSubscribers' } } })).body.id;
    silver = (await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'silverSubscribers' } } })).body.id;
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  it('assigns a group with PUT {} (200) through the SDK, idempotently', async () => {
    const sdk = await okta.sdk();
    const first = await sdk.applicationApi.assignGroupToApplication({ appId, groupId: gold, applicationGroupAssignment: {} });
    expect(first.id).toBe(gold);
    const again = await okta.call('PUT', `/api/v1/apps/${appId}/groups/${gold}`, { op: 'assignGroupToApplication', json: {} });
    expect(again).toMatchObject({ status: 200, body: { id: gold, priority: first.priority, _links: { group: { href: `${okta.url}/api/v1/groups/${gold}` } } } });
    const got = await okta.call('GET', `/api/v1/apps/${appId}/groups/${gold}`, { op: 'getApplicationGroupAssignment' });
    expect(got.body.id).toBe(gold);
    const ofGroup = await okta.call('GET', `/api/v1/groups/${gold}/apps`, { op: 'listAssignedApplicationsForGroup' });
    expect(ofGroup.body.map((a: { id: string }) => a.id)).toEqual([appId]);
  });

  it('lists assignments with q on the group name and expand=group, and pages (limit at least 20)', async () => {
    await okta.call('PUT', `/api/v1/apps/${appId}/groups/${silver}`, { op: 'assignGroupToApplication', json: { priority: 5, profile: { tier: 'silver' } } });
    const all = await okta.call('GET', `/api/v1/apps/${appId}/groups?expand=group`, { op: 'listApplicationGroupAssignments' });
    expect(all.body.map((a: { id: string }) => a.id)).toEqual([gold, silver]);
    expect(all.body[1]).toMatchObject({ priority: 5, profile: { tier: 'silver' }, _embedded: { group: { profile: { name: 'silverSubscribers' } } } });
    const q = await okta.call('GET', `/api/v1/apps/${appId}/groups?q=silv`, { op: 'listApplicationGroupAssignments' });
    expect(q.body.map((a: { id: string }) => a.id)).toEqual([silver]);
    const tiny = await okta.call('GET', `/api/v1/apps/${appId}/groups?limit=1`, { op: 'listApplicationGroupAssignments' });
    expect(tiny.body).toHaveLength(2);
    expect(links(tiny).next).toBeUndefined();
  });

  it('patches priority and profile with JSON Patch', async () => {
    const patched = await okta.call('PATCH', `/api/v1/apps/${appId}/groups/${silver}`, {
      op: 'updateGroupAssignmentToApplication',
      json: [
        { op: 'replace', path: '/priority', value: 1 },
        { op: 'add', path: '/profile/region', value: 'eu' },
      ],
    });
    expect(patched.body).toMatchObject({ priority: 1, profile: { tier: 'silver', region: 'eu' } });
  });

  it('unassigns with 204; an unassigned group is 404 E0000007 and unknown ids are 404 too', async () => {
    expect((await okta.call('DELETE', `/api/v1/apps/${appId}/groups/${silver}`, { op: 'unassignApplicationFromGroup' })).status).toBe(204);
    const missing = await okta.call('GET', `/api/v1/apps/${appId}/groups/${silver}`, { op: 'getApplicationGroupAssignment' });
    expect(missing).toMatchObject({ status: 404, body: { errorCode: 'E0000007' } });
    expect((await okta.call('PUT', `/api/v1/apps/${appId}/groups/00gNOPE`, { op: 'assignGroupToApplication', json: {} })).body.errorSummary).toBe('Not found: Resource not found: 00gNOPE (UserGroup)');
    expect((await okta.call('PUT', `/api/v1/apps/0oaNOPE/groups/${gold}`, { op: 'assignGroupToApplication', json: {} })).body.errorSummary).toBe('Not found: Resource not found: 0oaNOPE (AppInstance)');
  });

  it('lists users who reach the app directly (USER) or through a group (GROUP)', async () => {
    const ada = (await okta.call('GET', '/api/v1/users/ada@example.com')).body;
    const grace = (await okta.call('GET', '/api/v1/users/grace@example.com')).body;
    await okta.call('PUT', `/api/v1/groups/${gold}/users/${grace.id}`);
    const direct = await okta.call('POST', `/api/v1/apps/${appId}/users`, { op: 'assignUserToApplication', json: { id: ada.id, scope: 'USER', credentials: { userName: 'ada' } } });
    expect(direct.body).toMatchObject({ id: ada.id, scope: 'USER', credentials: { userName: 'ada' } });
    const users = await okta.call('GET', `/api/v1/apps/${appId}/users`, { op: 'listApplicationUsers' });
    expect(users.body.map((u: { id: string; scope: string }) => [u.id, u.scope])).toEqual([
      [ada.id, 'USER'],
      [grace.id, 'GROUP'],
    ]);
    expect((await okta.call('GET', `/api/v1/apps/${appId}/users/${grace.id}`, { op: 'getApplicationUser' })).body.scope).toBe('GROUP');
    expect((await okta.call('DELETE', `/api/v1/apps/${appId}/users/${ada.id}`, { op: 'unassignUserFromApplication' })).status).toBe(204);
    expect((await okta.call('GET', `/api/v1/apps/${appId}/users/${ada.id}`, { op: 'getApplicationUser' })).status).toBe(404);
  });
});
