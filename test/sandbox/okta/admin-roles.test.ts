import { startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: administrator roles of the API token', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());

  it("lists the token admin's roles: the seeded admin is a Super Administrator", async () => {
    const me = await okta.call('GET', '/api/v1/users/me');
    // Not checked with the spec validator: its oneOf of StandardRole and CustomRole is told apart only by a
    // discriminator mapping, which the validator does not read, so every role matches both.
    const roles = await okta.call('GET', `/api/v1/users/${me.body.id}/roles`);
    expect(roles.status).toBe(200);
    expect(roles.body).toEqual([expect.objectContaining({ type: 'SUPER_ADMIN', label: 'Super Administrator', status: 'ACTIVE', assignmentType: 'USER' })]);
  });

  it('a token whose admin has no role may read but each write is 403 E0000006; an App Administrator may write apps, not groups', async () => {
    const me = await okta.call('GET', '/api/v1/users/me');
    await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: [] });
    expect((await okta.call('GET', `/api/v1/users/${me.body.id}/roles`)).body).toEqual([]);
    expect((await okta.call('GET', '/api/v1/groups')).status).toBe(200);
    const refused = await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'noRole' } } });
    expect(refused).toMatchObject({ status: 403, body: { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' } });

    await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['APP_ADMIN'] });
    expect((await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'appAdmin' } } })).status).toBe(403);
    const app = await okta.call('POST', '/api/v1/apps', {
      json: { name: 'oidc_client', label: 'By an app admin', signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'] } } },
    });
    expect(app.status).toBe(200);

    await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['SUPER_ADMIN'] });
    expect((await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'superAdmin' } } })).status).toBe(200);
  });

  it("knows the spec's role types only: a Group Administrator is USER_ADMIN and writes groups; a Group Membership Administrator only members", async () => {
    const me = await okta.call('GET', '/api/v1/users/me');
    const refusedType = await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['GROUP_ADMIN'] }).catch((e: { status?: number }) => e);
    expect(refusedType).toMatchObject({ status: 400 });
    try {
      await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['USER_ADMIN'] });
      expect((await okta.call('GET', `/api/v1/users/${me.body.id}/roles`)).body).toEqual([expect.objectContaining({ type: 'USER_ADMIN', label: 'Group Administrator' })]);
      const group = await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'byGroupAdmin' } } });
      expect(group.status).toBe(200);

      await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['GROUP_MEMBERSHIP_ADMIN'] });
      expect((await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'byMembershipAdmin' } } })).status).toBe(403);
      expect((await okta.call('PUT', `/api/v1/groups/${group.body.id}/users/${me.body.id}`)).status).toBe(204);
    } finally {
      await okta.admin.put('/okta/admin-roles/' + me.body.id, { roles: ['SUPER_ADMIN'] });
    }
  });
});
