import { RatePacer, routeOf, OKTA_HEADERS } from '../../src/clients/rate-pacer';

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
    expect(pacer.stats.waited).toBe(0);
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

  it('does not pace a route it has no answer for yet', async () => {
    const pacer = new RatePacer(OKTA_HEADERS);
    await pacer.turn('/api/v1/groups');
    expect(pacer.stats.waited).toBe(0);
  });
});
