import { request } from 'undici';
import { startTestOkta, type TestOkta } from './support/okta';

describe('Okta sandbox: authentication, error bodies and headers', () => {
  let okta: TestOkta;
  beforeAll(async () => {
    okta = await startTestOkta({ apiToken: '00sandboxTokenForTheErrorSuite0000000000' });
  });
  afterAll(() => okta.close());
  afterEach(async () => {
    await okta.auditSdk();
  });

  it('uses the configured SSWS token', () => {
    expect(okta.token).toBe('00sandboxTokenForTheErrorSuite0000000000');
  });

  it('refuses a request without an Authorization header with 403 E0000005 "Invalid session", as Okta does', async () => {
    const res = await okta.call('GET', '/api/v1/groups', { auth: 'none', op: 'listGroups' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errorCode: 'E0000005', errorSummary: 'Invalid session', errorLink: 'E0000005', errorId: expect.stringMatching(/^oae\w{22}$/), errorCauses: [] });
  });

  it('refuses a blank, wrong or non-SSWS Authorization with 401 E0000011', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'SSWS ' }, { authorization: 'SSWS 00nope' }, { authorization: `Bearer ${okta.token}` }] as Record<string, string>[]) {
      const res = await okta.call('GET', '/api/v1/groups', { auth: 'none', headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorCauses: [] });
    }
  });

  it('the SDK surfaces a wrong token as OktaApiError 401 E0000011', async () => {
    const sdk = await okta.sdk({ token: '00wrong' });
    await expect(sdk.groupApi.listGroups({}).then((c) => c.next())).rejects.toMatchObject({ name: 'OktaApiError', status: 401, errorCode: 'E0000011' });
  });

  it('answers an unknown path with 404 E0000008 and a wrong method with 405 E0000022', async () => {
    const unknown = await okta.call('GET', '/api/v1/nothing-here');
    expect(unknown).toMatchObject({ status: 404, body: { errorCode: 'E0000008', errorSummary: 'The requested path was not found' } });
    const wrongMethod = await okta.call('PATCH', '/api/v1/groups');
    expect(wrongMethod).toMatchObject({ status: 405, body: { errorCode: 'E0000022' } });
    expect(wrongMethod.headers.allow).toBe('GET, POST');
  });

  it('answers malformed JSON with 400 E0000003 and accepts an empty JSON body on lifecycle calls', async () => {
    const malformed = await okta.call('POST', '/api/v1/groups', { json: '{"profile":', op: 'addGroup' });
    expect(malformed).toMatchObject({ status: 400, body: { errorCode: 'E0000003', errorSummary: 'The request body was not well-formed.' } });
    const empty = await okta.call('POST', '/api/v1/authorizationServers/default/lifecycle/activate', { headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(204);
  });

  it('sends X-Okta-Request-Id and Date on every response, errors and 204s included', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/groups'],
      ['GET', '/api/v1/nothing'],
      ['POST', '/api/v1/authorizationServers/default/lifecycle/activate'],
      ['GET', '/oauth2/default/v1/keys'],
    ] as const) {
      const res = await okta.call(method, path);
      expect(res.headers['x-okta-request-id']).toMatch(/^[A-Za-z0-9]{27}$/);
      expect(Number.isNaN(Date.parse(String(res.headers.date)))).toBe(false);
    }
  });

  it('tolerates the double slash the SDK sends when orgUrl ends with /', async () => {
    const res = await request(`${okta.url}//api/v1/groups`, { headers: { authorization: `SSWS ${okta.token}` } });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    const sdk = await okta.sdk({ orgUrl: `${okta.url}/` });
    expect((await sdk.userApi.getUser({ userId: 'me' })).profile?.login).toBe('admin@example.com');
  });

  it('renders validation failures as E0000001 with one cause per field', async () => {
    const res = await okta.call('POST', '/api/v1/apps', { op: 'createApplication', json: { name: 'oidc_client', signOnMode: 'OPENID_CONNECT' } });
    expect(res.body.errorCode).toBe('E0000001');
    expect(res.body.errorCauses.map((c: { errorSummary: string }) => c.errorSummary.split(':')[0])).toEqual(['label', 'settings.oauthClient']);
  });
});
