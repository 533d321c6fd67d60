import { startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: users', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta();
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  const profile = (login: string) => ({ login, email: login, firstName: 'Test', lastName: login.split('@')[0] });

  it('answers users/me with the token owner, the seeded admin, through the SDK', async () => {
    const sdk = await okta.sdk();
    const me = await sdk.userApi.getUser({ userId: 'me' });
    expect(me.profile?.login).toBe(okta.sandbox.adminUserLogin);
    expect(me.status).toBe('ACTIVE');
  });

  it('creates users (200): ACTIVE with a password, PROVISIONED without, STAGED with activate=false', async () => {
    const withPassword = await okta.call('POST', '/api/v1/users?activate=true', { op: 'createUser', json: { profile: profile('linus@example.com'), credentials: { password: { value: 'Tr0ub4dor&3' } } } });
    expect(withPassword).toMatchObject({ status: 200, body: { status: 'ACTIVE', credentials: { password: {}, provider: { type: 'OKTA' } } } });
    expect(withPassword.body.id).toMatch(/^00u/);
    expect((await okta.call('POST', '/api/v1/users', { op: 'createUser', json: { profile: profile('ken@example.com') } })).body.status).toBe('PROVISIONED');
    expect((await okta.call('POST', '/api/v1/users?activate=false', { op: 'createUser', json: { profile: profile('dennis@example.com') } })).body.status).toBe('STAGED');
  });

  it('refuses a duplicate login and a login that is not an email, naming the field', async () => {
    const dup = await okta.call('POST', '/api/v1/users', { op: 'createUser', json: { profile: profile('ada@example.com') } });
    expect(dup.body).toMatchObject({ errorCode: 'E0000001', errorCauses: [{ errorSummary: 'login: An object with this field already exists in the current organization' }] });
    const notEmail = await okta.call('POST', '/api/v1/users', { op: 'createUser', json: { profile: { ...profile('x@example.com'), login: 'nobody' } } });
    expect(notEmail.body.errorCauses[0].errorSummary).toBe('login: Username must be in the form of an email address');
  });

  it('gets a user by id or login, lists with q and search, and adds a new user to groups on create', async () => {
    const group = await okta.call('POST', '/api/v1/groups', { json: { profile: { name: 'engineers' } } });
    const created = await okta.call('POST', '/api/v1/users', { op: 'createUser', json: { profile: profile('margaret@example.com'), groupIds: [group.body.id] } });
    expect((await okta.call('GET', `/api/v1/users/${created.body.id}`, { op: 'getUser' })).body.profile.login).toBe('margaret@example.com');
    expect((await okta.call('GET', '/api/v1/users/margaret@example.com', { op: 'getUser' })).body.id).toBe(created.body.id);
    expect((await okta.call('GET', '/api/v1/users?q=marg', { op: 'listUsers' })).body.map((u: { id: string }) => u.id)).toEqual([created.body.id]);
    const search = await okta.call('GET', `/api/v1/users?search=${encodeURIComponent('profile.login eq "grace@example.com"')}`, { op: 'listUsers' });
    expect(search.body).toHaveLength(1);
    expect((await okta.call('GET', `/api/v1/groups/${group.body.id}/users`)).body.map((u: { id: string }) => u.id)).toEqual([created.body.id]);
  });

  it('deactivates on the first delete and removes on the second, as Okta does', async () => {
    const user = await okta.call('POST', '/api/v1/users', { json: { profile: profile('temp@example.com') } });
    expect((await okta.call('DELETE', `/api/v1/users/${user.body.id}`)).status).toBe(204);
    expect((await okta.call('GET', `/api/v1/users/${user.body.id}`, { op: 'getUser' })).body.status).toBe('DEPROVISIONED');
    // Default lists leave deprovisioned users out; a status filter finds them.
    expect((await okta.call('GET', '/api/v1/users', { op: 'listUsers' })).body.some((u: { id: string }) => u.id === user.body.id)).toBe(false);
    expect((await okta.call('GET', `/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}`, { op: 'listUsers' })).body).toHaveLength(1);
    expect((await okta.call('DELETE', `/api/v1/users/${user.body.id}`)).status).toBe(204);
    expect((await okta.call('GET', `/api/v1/users/${user.body.id}`, { op: 'getUser' })).status).toBe(404);
  });

  it('activates (200 with an activation link) and deactivates (200) through the lifecycle endpoints', async () => {
    const user = await okta.call('POST', '/api/v1/users?activate=false', { json: { profile: profile('joan@example.com') } });
    const activated = await okta.call('POST', `/api/v1/users/${user.body.id}/lifecycle/activate?sendEmail=false`, { op: 'activateUser' });
    expect(activated.status).toBe(200);
    expect(activated.body.activationToken).toBeTruthy();
    expect((await okta.call('GET', `/api/v1/users/${user.body.id}`)).body.status).toBe('ACTIVE');
    expect((await okta.call('POST', `/api/v1/users/${user.body.id}/lifecycle/deactivate`)).status).toBe(200);
    expect((await okta.call('GET', `/api/v1/users/${user.body.id}`)).body.status).toBe('DEPROVISIONED');
  });

  it('updates a profile partially (POST) and fully (PUT)', async () => {
    const user = await okta.call('POST', '/api/v1/users', { json: { profile: profile('barbara@example.com') } });
    const partial = await okta.call('POST', `/api/v1/users/${user.body.id}`, { op: 'updateUser', json: { profile: { firstName: 'Barbara' } } });
    expect(partial.body.profile).toMatchObject({ firstName: 'Barbara', lastName: 'barbara' });
    const full = await okta.call('PUT', `/api/v1/users/${user.body.id}`, { op: 'replaceUser', json: { profile: { ...profile('barbara@example.com'), lastName: 'Liskov' } } });
    expect(full.body.profile).toMatchObject({ firstName: 'Test', lastName: 'Liskov' });
  });
});
