import { startTestOkta, type TestOkta } from './support/okta';

/** Fixed one-minute windows: keep a burst from straddling a boundary. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
}

describe('Okta sandbox: rate limits', () => {
  describe('profile developer (a free org)', () => {
    let okta: TestOkta;
    beforeAll(async () => {
      okta = await startTestOkta({ rateLimitProfile: 'developer' });
    });
    afterAll(() => okta.close());

    it('answers the 21st /api/v1/apps call in a minute with 429 E0000047 and correct headers', async () => {
      await awayFromMinuteBoundary();
      const remaining: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await okta.call('GET', '/api/v1/apps', { op: 'listApplications' });
        expect(res.status).toBe(200);
        expect(res.headers['x-rate-limit-limit']).toBe('20');
        remaining.push(String(res.headers['x-rate-limit-remaining']));
      }
      expect(remaining.slice(0, 3)).toEqual(['19', '18', '17']);
      expect(remaining.at(-1)).toBe('0');
      const limited = await okta.call('GET', '/api/v1/apps', { op: 'listApplications' });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorLink: 'E0000047' });
      expect(limited.headers['x-rate-limit-limit']).toBe('20');
      expect(limited.headers['x-rate-limit-remaining']).toBe('0');
      const reset = Number(limited.headers['x-rate-limit-reset']);
      expect(reset).toBe(Math.ceil((Math.floor(Date.now() / 60_000) + 1) * 60));
      expect(Date.parse(String(limited.headers.date))).toBeLessThanOrEqual(reset * 1000);
      // Creating, assigning and lifecycle calls share the same 20/min bucket.
      expect((await okta.call('POST', '/api/v1/apps', { json: {} })).status).toBe(429);
    });

    it('counts /api/v1/apps/{id} in its own bucket of 100, and groups in theirs', async () => {
      const app = await okta.call('GET', '/api/v1/apps/0oaNOPE');
      expect(app.headers['x-rate-limit-limit']).toBe('100');
      expect(app.status).toBe(404);
      const groups = await okta.call('GET', '/api/v1/groups');
      expect(groups.headers['x-rate-limit-limit']).toBe('100');
      const dcr = await okta.call('GET', '/oauth2/v1/clients');
      expect(dcr.headers['x-rate-limit-limit']).toBe('25');
      const token = await okta.call('POST', '/oauth2/default/v1/token', { auth: 'none', form: { grant_type: 'client_credentials' } });
      expect(token.headers['x-rate-limit-limit']).toBe('300');
    });

    it('counts the org authorization server (/oauth2/v1/token, /keys) in a bucket of its own, apart from the custom servers', async () => {
      await awayFromMinuteBoundary();
      const custom = await okta.call('POST', '/oauth2/default/v1/token', { auth: 'none', form: { grant_type: 'client_credentials' } });
      const orgToken = await okta.call('POST', '/oauth2/v1/token', { auth: 'none', form: { grant_type: 'client_credentials' } });
      expect(orgToken.status).toBe(401);
      expect(orgToken.headers['x-rate-limit-limit']).toBe('300');
      const orgKeys = await okta.call('GET', '/oauth2/v1/keys', { auth: 'none' });
      expect(orgKeys.headers['x-rate-limit-limit']).toBe('300');
      // One org bucket: the keys call came right after the org token call, and the custom server's calls count elsewhere.
      expect(Number(orgKeys.headers['x-rate-limit-remaining'])).toBe(Number(orgToken.headers['x-rate-limit-remaining']) - 1);
      const customAgain = await okta.call('POST', '/oauth2/default/v1/token', { auth: 'none', form: { grant_type: 'client_credentials' } });
      expect(Number(customAgain.headers['x-rate-limit-remaining'])).toBe(Number(custom.headers['x-rate-limit-remaining']) - 1);
    });

    it('exempts custom authorization server metadata and keys', async () => {
      for (const path of ['/oauth2/default/.well-known/openid-configuration', '/oauth2/default/.well-known/oauth-authorization-server', '/oauth2/default/v1/keys']) {
        const res = await okta.call('GET', path, { auth: 'none' });
        expect(res.status).toBe(200);
        expect(res.headers['x-rate-limit-limit']).toBeUndefined();
      }
    });
  });

  it('the SDK’s built-in retry waits for the announced reset and then succeeds', async () => {
    const okta = await startTestOkta();
    try {
      await okta.admin.addFault({ kind: 'rateLimit', retryAfterSeconds: 1, method: 'GET', path: '^/api/v1/apps$', times: 1 });
      const sdk = await okta.sdk();
      const started = Date.now();
      const apps = [];
      for await (const a of await sdk.applicationApi.listApplications({})) apps.push(a);
      expect(apps).toEqual([]);
      // delay = reset − Date + 1 s (reference/okta.md §4.9); reset is one second ahead, rounded up.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      const log = await okta.admin.requests();
      expect(log.counts['GET /api/v1/apps']).toBe(2);
      expect(log.entries.map((e) => [e.status, e.fault])).toEqual([
        [429, 'rateLimit'],
        [200, undefined],
      ]);
      await okta.auditSdk();
    } finally {
      await okta.close();
    }
  });

  it('sends rate-limit headers with the default profile (unlimited) too, at limits a thousand times the free org', async () => {
    const okta = await startTestOkta();
    try {
      const res = await okta.call('GET', '/api/v1/apps');
      expect(res.headers['x-rate-limit-limit']).toBe('20000');
      expect(res.headers['x-rate-limit-remaining']).toBe('19999');
    } finally {
      await okta.close();
    }
  });
});
