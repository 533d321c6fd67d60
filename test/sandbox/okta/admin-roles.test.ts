import { startTestOkta, type TestOkta } from './support/okta';
import { createKeyServiceApp, orgToken } from './support/service-app';

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

describe('Okta sandbox: administrator roles of a service app (OAuth 2.0 for Okta)', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());

  const bearer = (token: string) => ({ auth: 'none' as const, headers: { authorization: `Bearer ${token}` } });

  it('a service app with the scope but no admin role reads and is refused each write with 403 E0000006, until an admin assigns it a role', async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage', 'okta.roles.read'], 'No role yet', { roles: [] });
    const token = (await orgToken(okta, app, 'okta.groups.manage okta.roles.read')).body.access_token;
    expect((await okta.call('GET', '/api/v1/groups', bearer(token))).status).toBe(200);
    const refused = await okta.call('POST', '/api/v1/groups', { ...bearer(token), json: { profile: { name: 'Service app without a role' } } });
    expect(refused).toMatchObject({ status: 403, body: { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' } });
    // A missing role is not a missing scope: no insufficient_scope challenge.
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect((await okta.call('GET', `/oauth2/v1/clients/${app.clientId}/roles`, bearer(token))).body).toEqual([]);

    const assigned = await okta.call('POST', `/oauth2/v1/clients/${app.clientId}/roles`, { json: { type: 'USER_ADMIN' } });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ type: 'USER_ADMIN', label: 'Group Administrator', status: 'ACTIVE', assignmentType: 'CLIENT', _links: { assignee: { href: `${okta.url}/oauth2/v1/clients/${app.clientId}/roles` } } });
    expect((await okta.call('POST', `/oauth2/v1/clients/${app.clientId}/roles`, { json: { type: 'USER_ADMIN' } })).status).toBe(409);
    const listed = await okta.call('GET', `/oauth2/v1/clients/${app.clientId}/roles`, bearer(token));
    expect(listed.body).toEqual([expect.objectContaining({ id: assigned.body.id, type: 'USER_ADMIN', assignmentType: 'CLIENT' })]);
    expect((await okta.call('POST', '/api/v1/groups', { ...bearer(token), json: { profile: { name: 'Service app as a Group Administrator' } } })).status).toBe(200);
    // Assigning roles is okta.roles.manage (the spec's assignRoleToClient), which this token lacks.
    expect((await okta.call('POST', `/oauth2/v1/clients/${app.clientId}/roles`, { ...bearer(token), json: { type: 'SUPER_ADMIN' } })).headers['www-authenticate']).toContain('scope="okta.roles.manage"');
  });

  it("lists and assigns roles under the spec's scopes okta.roles.read and okta.roles.manage, standard role types only, of known clients only", async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.read'], 'Reads groups only', { roles: [] });
    const token = (await orgToken(okta, app, 'okta.groups.read')).body.access_token;
    const noScope = await okta.call('GET', `/oauth2/v1/clients/${app.clientId}/roles`, bearer(token));
    expect(noScope.status).toBe(403);
    expect(noScope.headers['www-authenticate']).toContain('scope="okta.roles.read"');
    const badType = await okta.call('POST', `/oauth2/v1/clients/${app.clientId}/roles`, { json: { type: 'GROUP_ADMIN' } });
    expect(badType).toMatchObject({ status: 400, body: { errorCode: 'E0000001' } });
    expect((await okta.call('GET', '/oauth2/v1/clients/0oaNoSuchClient/roles')).status).toBe(404);
  });

  it("the sandbox admin route sets a service app's roles by its client id, as the console's Admin roles tab does", async () => {
    const app = await createKeyServiceApp(okta, ['okta.groups.manage'], 'Roles set by the admin route', { roles: [] });
    const token = (await orgToken(okta, app, 'okta.groups.manage')).body.access_token;
    expect(await okta.admin.put(`/okta/admin-roles/${app.clientId}`, { roles: ['ORG_ADMIN'] })).toMatchObject({ clientId: app.clientId, roles: ['ORG_ADMIN'] });
    expect((await okta.call('GET', `/oauth2/v1/clients/${app.clientId}/roles`)).body).toEqual([expect.objectContaining({ type: 'ORG_ADMIN', label: 'Organization Administrator' })]);
    expect((await okta.call('POST', '/api/v1/groups', { ...bearer(token), json: { profile: { name: 'Group of an Org Administrator app' } } })).status).toBe(200);
    await okta.admin.put(`/okta/admin-roles/${app.clientId}`, { roles: [] });
    expect((await okta.call('POST', '/api/v1/groups', { ...bearer(token), json: { profile: { name: 'Group after the role went' } } })).status).toBe(403);
  });
});
