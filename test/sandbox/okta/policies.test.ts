import { startTestOkta, type TestOkta } from './support/okta';

const PEOPLE_REQUIRED =
  "conditions.people: At least one of 'conditions.people.users.include' or 'conditions.people.groups.include' must contain a valid user or group when 'conditions.grantTypes' contains one or more of [authorization_code, implicit, password]";

describe('Okta sandbox: access policies and rules', () => {
  let okta: TestOkta;
  let asId: string;
  beforeAll(async () => {
    okta = await startTestOkta();
    const as = await okta.call('POST', '/api/v1/authorizationServers', { json: { name: 'Policies AS', description: 'p', audiences: ['api://policies'] } });
    asId = as.body.id;
    await okta.call('POST', `/api/v1/authorizationServers/${asId}/scopes`, { json: { name: 'mulescope' } });
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  const policyBody = (name: string, priority?: number) => ({
    type: 'OAUTH_AUTHORIZATION_POLICY',
    name,
    description: `${name} description`,
    ...(priority !== undefined ? { priority } : {}),
    conditions: { clients: { include: ['ALL_CLIENTS'] } },
  });

  it('creates policy and rule through the SDK with 201 and echoes the empty arrays Okta adds', async () => {
    const sdk = await okta.sdk();
    const policy = await sdk.authorizationServerApi.createAuthorizationServerPolicy({
      authServerId: asId,
      policy: { type: 'OAUTH_AUTHORIZATION_POLICY', name: 'MuleSoft access', description: 'MuleSoft APIs', priority: 1, status: 'ACTIVE', conditions: { clients: { include: ['ALL_CLIENTS'] } } },
    });
    expect(policy.id).toMatch(/^00p/);
    const rule = await sdk.authorizationServerApi.createAuthorizationServerPolicyRule({
      authServerId: asId,
      policyId: policy.id!,
      policyRule: {
        type: 'RESOURCE_ACCESS',
        name: 'client credentials',
        priority: 1,
        status: 'ACTIVE',
        conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['mulescope'] }, people: { groups: { include: ['EVERYONE'] } } },
        actions: { token: { accessTokenLifetimeMinutes: 60, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 } },
      },
    });
    expect(rule.id).toMatch(/^0pr/);
    const raw = await okta.call('GET', `/api/v1/authorizationServers/${asId}/policies/${policy.id}/rules/${rule.id}`, { op: 'getAuthorizationServerPolicyRule' });
    expect(raw.body.conditions.people).toEqual({ users: { include: [], exclude: [] }, groups: { include: ['EVERYONE'], exclude: [] } });
    expect(raw.body.system).toBe(false);
    const statuses = (await okta.admin.requests()).entries.filter((e) => e.method === 'POST').map((e) => e.status);
    expect(statuses.slice(-2)).toEqual([201, 201]);
  });

  it('accepts a client_credentials-only rule without people, but wants people for user grants (the #1622 text, typos included)', async () => {
    const policy = await okta.call('POST', `/api/v1/authorizationServers/${asId}/policies`, { op: 'createAuthorizationServerPolicy', json: policyBody('People checks') });
    const rules = `/api/v1/authorizationServers/${asId}/policies/${policy.body.id}/rules`;
    const rule = (grants: string[]) => ({ type: 'RESOURCE_ACCESS', name: 'r', conditions: { grantTypes: { include: grants }, scopes: { include: ['*'] } } });
    const ok = await okta.call('POST', rules, { op: 'createAuthorizationServerPolicyRule', json: rule(['client_credentials']) });
    expect(ok.status).toBe(201);
    expect(ok.body.conditions.people).toEqual({ users: { include: [], exclude: [] }, groups: { include: [], exclude: [] } });
    for (const grants of [['authorization_code'], ['client-credentials']]) {
      const refused = await okta.call('POST', rules, { op: 'createAuthorizationServerPolicyRule', json: rule(grants) });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: conditions.people', errorCauses: [{ errorSummary: PEOPLE_REQUIRED }] });
    }
  });

  it('validates the policy: type, description, clients (ALL_CLIENTS or real client ids)', async () => {
    const base = `/api/v1/authorizationServers/${asId}/policies`;
    const wrongType = await okta.call('POST', base, { op: 'createAuthorizationServerPolicy', json: { ...policyBody('x'), type: 'OKTA_SIGN_ON' } });
    expect(wrongType.body.errorCauses[0].errorSummary).toMatch(/^type: /);
    const { description: _omit, ...noDescription } = policyBody('x');
    expect((await okta.call('POST', base, { op: 'createAuthorizationServerPolicy', json: noDescription })).body.errorSummary).toBe('Api validation failed: description');
    const badClient = await okta.call('POST', base, { op: 'createAuthorizationServerPolicy', json: { ...policyBody('x'), conditions: { clients: { include: ['0oaNOPE'] } } } });
    expect(badClient.body.errorCauses[0].errorSummary).toBe('conditions.clients.include: Invalid client ids: 0oaNOPE');
  });

  it('keeps priorities contiguous: inserting at 1 pushes the others down, past the end appends', async () => {
    const as = await okta.call('POST', '/api/v1/authorizationServers', { json: { name: 'Priority AS', description: 'p', audiences: ['api://prio'] } });
    const base = `/api/v1/authorizationServers/${as.body.id}/policies`;
    const a = await okta.call('POST', base, { json: policyBody('A', 1) });
    const b = await okta.call('POST', base, { json: policyBody('B', 1) });
    const c = await okta.call('POST', base, { json: policyBody('C', 99) });
    expect([a.body.priority, b.body.priority, c.body.priority]).toEqual([1, 1, 3]);
    const listed = await okta.call('GET', base, { op: 'listAuthorizationServerPolicies' });
    expect(listed.body.map((p: { name: string; priority: number }) => `${p.name}${p.priority}`)).toEqual(['B1', 'A2', 'C3']);
    const moved = await okta.call('PUT', `${base}/${c.body.id}`, { op: 'replaceAuthorizationServerPolicy', json: policyBody('C', 1) });
    expect(moved.body.priority).toBe(1);
    expect((await okta.call('GET', base)).body.map((p: { name: string }) => p.name)).toEqual(['C', 'B', 'A']);
    expect((await okta.call('DELETE', `${base}/${b.body.id}`)).status).toBe(204);
    expect((await okta.call('GET', base)).body.map((p: { priority: number }) => p.priority)).toEqual([1, 2]);
  });

  it('deactivates and activates policies and rules with 204; inactive ones stop matching', async () => {
    const policy = await okta.call('POST', `/api/v1/authorizationServers/${asId}/policies`, { json: policyBody('Lifecycle') });
    const base = `/api/v1/authorizationServers/${asId}/policies/${policy.body.id}`;
    const rule = await okta.call('POST', `${base}/rules`, { json: { type: 'RESOURCE_ACCESS', name: 'r', conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['*'] } } } });
    expect((await okta.call('POST', `${base}/lifecycle/deactivate`)).status).toBe(204);
    expect((await okta.call('GET', base, { op: 'getAuthorizationServerPolicy' })).body).toMatchObject({ status: 'INACTIVE', _links: { activate: {} } });
    expect((await okta.call('POST', `${base}/lifecycle/activate`)).status).toBe(204);
    expect((await okta.call('POST', `${base}/rules/${rule.body.id}/lifecycle/deactivate`)).status).toBe(204);
    expect((await okta.call('GET', `${base}/rules/${rule.body.id}`, { op: 'getAuthorizationServerPolicyRule' })).body.status).toBe('INACTIVE');
    expect((await okta.call('POST', `${base}/rules/${rule.body.id}/lifecycle/activate`)).status).toBe(204);
    const replaced = await okta.call('PUT', `${base}/rules/${rule.body.id}`, {
      op: 'replaceAuthorizationServerPolicyRule',
      json: { type: 'RESOURCE_ACCESS', name: 'renamed', conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['mulescope'] } }, actions: { token: { accessTokenLifetimeMinutes: 30 } } },
    });
    expect(replaced.body).toMatchObject({ name: 'renamed', actions: { token: { accessTokenLifetimeMinutes: 30 } } });
    const badLifetime = await okta.call('PUT', `${base}/rules/${rule.body.id}`, {
      op: 'replaceAuthorizationServerPolicyRule',
      json: { type: 'RESOURCE_ACCESS', name: 'x', conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['*'] } }, actions: { token: { accessTokenLifetimeMinutes: 2 } } },
    });
    expect(badLifetime.body.errorCauses[0].errorSummary).toBe('actions.token.accessTokenLifetimeMinutes: The value must be an integer between 5 and 1440');
    expect((await okta.call('DELETE', `${base}/rules/${rule.body.id}`)).status).toBe(204);
    expect((await okta.call('GET', `${base}/rules/${rule.body.id}`, { op: 'getAuthorizationServerPolicyRule' })).body.errorSummary).toBe(`Not found: Resource not found: ${rule.body.id} (PolicyRule)`);
  });
});
