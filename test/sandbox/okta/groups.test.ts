import { links, startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: groups and memberships', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  const create = (name: string, description = `${name} tier`) => okta.call('POST', '/api/v1/groups', { op: 'addGroup', json: { profile: { name, description } } });

  it('has the BUILT_IN Everyone group, which lists every user and cannot be changed', async () => {
    const everyone = (await okta.call('GET', '/api/v1/groups?q=Every', { op: 'listGroups' })).body[0];
    expect(everyone).toMatchObject({ type: 'BUILT_IN', profile: { name: 'Everyone' }, objectClass: ['okta:user_group'] });
    expect(everyone.id).toMatch(/^00g/);
    const members = await okta.call('GET', `/api/v1/groups/${everyone.id}/users`, { op: 'listGroupUsers' });
    expect(members.body.map((u: { profile: { login: string } }) => u.profile.login)).toEqual(['admin@example.com', 'ada@example.com', 'grace@example.com']);
    expect((await okta.call('DELETE', `/api/v1/groups/${everyone.id}`)).status).toBe(403);
    expect((await okta.call('PUT', `/api/v1/groups/${everyone.id}`, { json: { profile: { name: 'All' } } })).status).toBe(403);
  });

  it('creates a group with 200 through the SDK and enforces unique names with 400 E0000001', async () => {
    const sdk = await okta.sdk();
    const group = await sdk.groupApi.createGroup({ group: { profile: { name: 'goldSubscribers', description: 'Gold' } } });
    expect(group.id).toMatch(/^00g/);
    expect(group.type).toBe('OKTA_GROUP');
    expect((await okta.admin.requests()).entries.at(-1)).toMatchObject({ method: 'POST', route: '/api/v1/groups', status: 200 });
    const dup = await create('goldSubscribers');
    expect(dup).toMatchObject({
      status: 400,
      body: { errorCode: 'E0000001', errorSummary: 'Api validation failed: name', errorCauses: [{ errorSummary: 'name: An object with this field already exists in the current organization' }] },
    });
    const blank = await okta.call('POST', '/api/v1/groups', { op: 'addGroup', json: { profile: { description: 'no name' } } });
    expect(blank.body.errorCauses).toEqual([{ errorSummary: 'name: The field cannot be left blank' }]);
  });

  it('q is a case-insensitive prefix match on the name and is never paged', async () => {
    await create('silverSubscribers');
    await create('silverLining');
    await create('Platinum silver');
    const res = await okta.call('GET', '/api/v1/groups?q=SILVER&limit=1', { op: 'listGroups' });
    expect(res.body.map((g: { profile: { name: string } }) => g.profile.name)).toEqual(['silverSubscribers']);
    expect(links(res).next).toBeUndefined();
  });

  it('search supports eq on profile.name, type and id, with and/or, and pages', async () => {
    const exact = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name eq "silverSubscribers"')}`, { op: 'listGroups' });
    expect(exact.body.map((g: { profile: { name: string } }) => g.profile.name)).toEqual(['silverSubscribers']);
    const either = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('type eq "BUILT_IN" or (profile.name eq "silverLining" and type eq "OKTA_GROUP")')}`, { op: 'listGroups' });
    expect(either.body.map((g: { profile: { name: string } }) => g.profile.name)).toEqual(['Everyone', 'silverLining']);
    const byId = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent(`id eq "${exact.body[0].id}"`)}`, { op: 'listGroups' });
    expect(byId.body).toHaveLength(1);
    const sw = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name sw "silver"')}&limit=1`, { op: 'listGroups' });
    expect(sw.body).toHaveLength(1);
    expect(links(sw).next).toContain('after=');
    // The spec documents no 400 for listGroups; the body is Okta's error all the same.
    const bad = await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name eq')}`);
    expect(bad).toMatchObject({ status: 400, body: { errorCode: 'E0000031' } });
  });

  it('filter supports only id, type, lastUpdated and lastMembershipUpdated', async () => {
    const builtIn = await okta.call('GET', `/api/v1/groups?filter=${encodeURIComponent('type eq "BUILT_IN"')}`, { op: 'listGroups' });
    expect(builtIn.body.map((g: { profile: { name: string } }) => g.profile.name)).toEqual(['Everyone']);
    const refused = await okta.call('GET', `/api/v1/groups?filter=${encodeURIComponent('profile.name eq "x"')}`);
    expect(refused.status).toBe(400);
    expect(refused.body.errorCauses[0].errorSummary).toMatch(/profile\.name/);
  });

  it('gets, replaces (200) and deletes (204) a group; a deleted group is 404 E0000007 (UserGroup)', async () => {
    const group = await create('bronze');
    const replaced = await okta.call('PUT', `/api/v1/groups/${group.body.id}`, { op: 'replaceGroup', json: { profile: { name: 'bronzeSubscribers', description: 'Bronze' } } });
    expect(replaced.body.profile).toEqual({ name: 'bronzeSubscribers', description: 'Bronze' });
    expect((await okta.call('GET', `/api/v1/groups/${group.body.id}?expand=stats`, { op: 'getGroup' })).body._embedded.stats).toMatchObject({ usersCount: 0 });
    expect((await okta.call('DELETE', `/api/v1/groups/${group.body.id}`)).status).toBe(204);
    const gone = await okta.call('GET', `/api/v1/groups/${group.body.id}`, { op: 'getGroup' });
    expect(gone.body.errorSummary).toBe(`Not found: Resource not found: ${group.body.id} (UserGroup)`);
  });

  it('adds and removes members with 204 through the SDK', async () => {
    const sdk = await okta.sdk();
    const group = (await create('members')).body;
    const adaId = (await sdk.userApi.getUser({ userId: 'ada@example.com' })).id!;
    await sdk.groupApi.assignUserToGroup({ groupId: group.id, userId: adaId });
    await okta.call('PUT', `/api/v1/groups/${group.id}/users/${adaId}`);
    const listed = [];
    for await (const u of await sdk.groupApi.listGroupUsers({ groupId: group.id })) listed.push(u?.profile?.login);
    expect(listed).toEqual(['ada@example.com']);
    expect((await okta.call('DELETE', `/api/v1/groups/${group.id}/users/${adaId}`)).status).toBe(204);
    expect((await okta.call('GET', `/api/v1/groups/${group.id}/users`, { op: 'listGroupUsers' })).body).toEqual([]);
    expect((await okta.call('PUT', `/api/v1/groups/${group.id}/users/00uNOPE`)).status).toBe(404);
  });
});
