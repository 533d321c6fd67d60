import { RatePacer, routeOf, oktaBucketOf, OKTA_HEADERS } from '../../src/clients/rate-pacer';

const headers = (remaining: number, resetEpochSeconds: number) => (name: string) =>
  ({ [OKTA_HEADERS.remaining]: String(remaining), [OKTA_HEADERS.reset]: String(resetEpochSeconds), [OKTA_HEADERS.limit]: '20' })[name];

describe('rate pacer (X-Rate-Limit-* headers)', () => {
  it('groups calls by route, ids replaced, method and query left out', () => {
    expect(routeOf('http://okta.test/api/v1/apps/0oa1b2c3d4e5f6g7h8i9/groups/00g1b2c3d4e5f6g7h8i9?limit=200')).toBe('/api/v1/apps/{id}/groups/{id}');
    expect(routeOf('/api/v1/apps?q=Anypoint')).toBe('/api/v1/apps');
  });

  it('lets a call go at once while the window has budget above the reserve, and counts it down', async () => {
    const pacer = new RatePacer(OKTA_HEADERS, { reserve: 1 });
    pacer.learn('/api/v1/apps', headers(3, Math.ceil(Date.now() / 1000) + 60));
    await pacer.turn('/api/v1/apps?q=x');
    await pacer.turn('/api/v1/apps?q=y');
    expect(pacer.stats.waited).toBe(0);
    // 3 remaining, 2 spent, 1 kept in reserve: the third call waits for the window's reset.
    let third = false;
    const waiting = pacer.turn('/api/v1/apps').then(() => (third = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(third).toBe(false);
    pacer.learn('/api/v1/apps', headers(20, Math.ceil(Date.now() / 1000) + 60));
    await waiting;
    expect(pacer.stats.waited).toBe(1);
  });

  it('holds a call when the window is spent and lets it go after the reset, once a response reports the new window', async () => {
    const pacer = new RatePacer(OKTA_HEADERS, { reserve: 1 });
    pacer.learn('/api/v1/apps', headers(1, Math.ceil(Date.now() / 1000)));
    const order: string[] = [];
    const first = pacer.turn('/api/v1/apps').then(() => {
      order.push('first');
      // The first call after the reset reports the new window's budget.
      pacer.learn('/api/v1/apps', headers(19, Math.ceil(Date.now() / 1000) + 60));
    });
    const second = pacer.turn('/api/v1/apps').then(() => order.push('second'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(pacer.stats.waited).toBe(2);
  });

  it('groups the paths of one Okta bucket: app creates, lists and group assignments share one, an app by id has its own', () => {
    const bucket = (path: string) => oktaBucketOf(`http://okta.test${path}`);
    expect(bucket('/api/v1/apps?q=Anypoint')).toBe(bucket('/api/v1/apps/0oa1b2c3d4e5f6g7h8i9/groups/00g1b2c3d4e5f6g7h8i9'));
    expect(bucket('/api/v1/apps/0oa1b2c3d4e5f6g7h8i9')).toBe('/api/v1/apps/{id}');
    expect(bucket('/oauth2/aus1b2c3d4e5f6g7h8i9/v1/token')).toBe(bucket('/oauth2/default/v1/token'));
    expect(bucket('/oauth2/aus1b2c3d4e5f6g7h8i9/v1/introspect')).toBe('/oauth2/{authServerId}/v1/*');
    // The org authorization server's token and keys share a bucket; DCR keeps its own.
    expect(bucket('/oauth2/v1/token')).toBe(bucket('/oauth2/v1/keys'));
    expect(bucket('/oauth2/v1/token')).not.toBe(bucket('/oauth2/v1/clients'));
  });

  it('a 429 whose reset comes before the window it spends holds the calls only until that reset', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T12:00:10.500Z') });
    try {
      const pacer = new RatePacer(OKTA_HEADERS, { reserve: 1 });
      const nowSeconds = Math.floor(Date.now() / 1000);
      pacer.learn('/api/v1/apps', headers(15, nowSeconds + 50));
      // A concurrency-limit or injected 429: nothing left, back in a second.
      pacer.learn('/api/v1/apps', headers(0, nowSeconds + 1));
      let went = false;
      const call = pacer.turn('/api/v1/apps').then(() => (went = true));
      await jest.advanceTimersByTimeAsync(400);
      expect(went).toBe(false);
      // Kept as the minute's reset, the call would still wait 49 seconds here.
      await jest.advanceTimersByTimeAsync(1_000);
      expect(went).toBe(true);
      await call;
    } finally {
      jest.useRealTimers();
    }
  });

  it('when the call sent to learn a new window gets no answer, the next waiting call goes in its place', async () => {
    const pacer = new RatePacer(OKTA_HEADERS, { reserve: 1 });
    pacer.learn('/api/v1/apps', headers(0, Math.floor(Date.now() / 1000)));
    const order: string[] = [];
    const probe = pacer.turn('/api/v1/apps').then(() => {
      order.push('probe');
      pacer.noAnswer('/api/v1/apps');
    });
    const next = pacer.turn('/api/v1/apps').then(() => {
      order.push('next');
      pacer.learn('/api/v1/apps', headers(19, Math.floor(Date.now() / 1000) + 60));
    });
    const last = pacer.turn('/api/v1/apps').then(() => order.push('last'));
    await Promise.all([probe, next, last]);
    expect(order).toEqual(['probe', 'next', 'last']);
  });

  it('does not pace a route it has no answer for yet', async () => {
    const pacer = new RatePacer(OKTA_HEADERS);
    await pacer.turn('/api/v1/groups');
    expect(pacer.stats.waited).toBe(0);
  });
});
