import { startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: injected faults, as a client sees them', () => {
  let okta: TestOkta;
  beforeEach(async () => {
    okta = await startTestOkta();
  });
  afterEach(async () => {
    await okta.auditSdk();
    await okta.close();
  });

  const createGroup = (name: string) => okta.call('POST', '/api/v1/groups', { json: { profile: { name } }, op: 'addGroup' });
  const groupNames = async () => (await okta.call('GET', '/api/v1/groups')).body.map((g: { profile: { name: string } }) => g.profile.name);

  it('latency: the response is late but otherwise normal', async () => {
    await okta.admin.addFault({ kind: 'latency', latencyMs: 300, method: 'GET', path: '^/api/v1/groups$', times: 1 });
    const started = Date.now();
    const res = await okta.call('GET', '/api/v1/groups', { op: 'listGroups' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    expect((await okta.admin.requests()).entries.at(-1)).toMatchObject({ fault: 'latency', status: 200 });
  });

  it('error: a 503 in Okta’s error format, nothing written, and the SDK does not retry it', async () => {
    await okta.admin.addFault({ kind: 'error', status: 503, method: 'POST', path: '^/api/v1/groups$', times: 1 });
    const res = await createGroup('never');
    expect(res).toMatchObject({ status: 503, body: { errorCode: 'E0000009', errorSummary: 'Service Unavailable' } });
    expect(await groupNames()).toEqual(['Everyone']);

    await okta.admin.addFault({ kind: 'error', status: 500, method: 'GET', path: '^/api/v1/users/me$', times: 1 });
    const sdk = await okta.sdk();
    await expect(sdk.userApi.getUser({ userId: 'me' })).rejects.toMatchObject({ status: 500, errorCode: 'E0000009' });
    const log = await okta.admin.requests();
    expect(log.counts['GET /api/v1/users/:userId']).toBe(1);
  });

  it('error with a 4xx status: Okta’s 4xx code, never E0000009 (which clients read as a retryable 5xx)', async () => {
    await okta.admin.addFault({ kind: 'error', status: 400, method: 'POST', path: '^/api/v1/groups$', times: 1 });
    expect(await createGroup('refused')).toMatchObject({ status: 400, body: { errorCode: 'E0000001' } });
    await okta.admin.addFault({ kind: 'error', status: 403, method: 'POST', path: '^/api/v1/groups$', times: 1 });
    expect(await createGroup('forbidden')).toMatchObject({ status: 403, body: { errorCode: 'E0000006' } });
    expect(await groupNames()).toEqual(['Everyone']);
  });

  it('rateLimit: a 429 E0000047 with X-Rate-Limit headers announcing the reset', async () => {
    await okta.admin.addFault({ kind: 'rateLimit', retryAfterSeconds: 7, method: 'GET', path: '^/api/v1/apps$', times: 1 });
    const res = await okta.call('GET', '/api/v1/apps', { op: 'listApplications' });
    expect(res).toMatchObject({ status: 429, body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' } });
    expect(res.headers['x-rate-limit-limit']).toBe('0');
    expect(res.headers['x-rate-limit-remaining']).toBe('0');
    expect(Number(res.headers['x-rate-limit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 6);
    expect(res.headers['x-okta-request-id']).toBeTruthy();
    // OAuth paths keep Okta's error format, with the OAuth spec's wording.
    await okta.admin.addFault({ kind: 'rateLimit', path: '/v1/token$', times: 1 });
    const token = await okta.call('POST', '/oauth2/default/v1/token', { auth: 'none', form: { grant_type: 'client_credentials' }, op: 'tokenCustomAS' });
    expect(token.body).toMatchObject({ errorCode: 'E0000047', errorSummary: 'You exceeded the maximum number of requests. Try again in a while.' });
  });

  it('drop: the connection closes before anything is written or answered', async () => {
    await okta.admin.addFault({ kind: 'drop', method: 'POST', path: '^/api/v1/groups$', times: 1 });
    await expect(createGroup('dropped')).rejects.toThrow();
    expect(await groupNames()).toEqual(['Everyone']);
    expect((await okta.admin.requests()).entries.find((e) => e.method === 'POST')).toMatchObject({ status: 0, fault: 'drop' });
  });

  it('lostResponse (status): the group is created, the client sees a 500, and its retry meets E0000001', async () => {
    await okta.admin.addFault({ kind: 'lostResponse', method: 'POST', path: '^/api/v1/groups$', times: 1 });
    const first = await createGroup('goldSubscribers');
    expect(first).toMatchObject({ status: 500, body: { errorCode: 'E0000009' } });
    expect(await groupNames()).toEqual(['Everyone', 'goldSubscribers']);
    const retry = await createGroup('goldSubscribers');
    expect(retry.body.errorCauses).toEqual([{ errorSummary: 'name: An object with this field already exists in the current organization' }]);
  });

  it('lostResponse (reset): the app is created and the connection resets', async () => {
    await okta.admin.addFault({ kind: 'lostResponse', mode: 'reset', method: 'POST', path: '^/api/v1/apps$', times: 1 });
    const create = okta.call('POST', '/api/v1/apps', {
      json: { name: 'oidc_client', label: 'Committed', signOnMode: 'OPENID_CONNECT', settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } } },
    });
    await expect(create).rejects.toThrow();
    const apps = await okta.call('GET', '/api/v1/apps?q=Committed', { op: 'listApplications' });
    expect(apps.body).toHaveLength(1);
  });

  it('counts every request exactly, per route, with writes apart', async () => {
    await createGroup('a');
    await createGroup('b');
    const id = (await okta.call('GET', '/api/v1/groups?q=a')).body[0].id;
    for (let i = 0; i < 3; i++) await okta.call('GET', `/api/v1/groups/${id}`);
    await okta.call('DELETE', `/api/v1/groups/${id}`);
    await okta.call('GET', '/api/v1/nope');
    const log = await okta.admin.requests();
    expect(log.counts).toEqual({
      'POST /api/v1/groups': 2,
      'GET /api/v1/groups': 1,
      'GET /api/v1/groups/:groupId': 3,
      'DELETE /api/v1/groups/:groupId': 1,
      'GET (unmatched)': 1,
    });
    expect(log.writes).toBe(3);
    expect(log.total).toBe(8);
  });
});
