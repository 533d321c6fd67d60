import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxAdminClient } from '../../../src/sandbox/core';
import { startAnypointSandbox } from '../../../src/sandbox/anypoint';
import { AnypointTestClient, startAnypoint } from './support/anypoint-kit';

describe('Anypoint sandbox operations (shared kit)', () => {
  let anypoint: AnypointTestClient;
  let admin: SandboxAdminClient;

  beforeEach(async () => {
    anypoint = await startAnypoint();
    admin = new SandboxAdminClient(anypoint.sandbox.url);
    await admin.clearRequests();
  });
  afterEach(() => anypoint.sandbox.close());

  it('counts requests exactly per route and injects faults in the family\'s shapes', async () => {
    await admin.addFault({ kind: 'error', status: 503, path: '^/apimanager/', times: 1 });
    await admin.addFault({ kind: 'rateLimit', path: '^/exchange/', retryAfterSeconds: 5, times: 1 });
    const failed = await anypoint.get(anypoint.apis());
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ status: 503, message: 'Service Unavailable' });
    // An injected 4xx reads as what it is, not as a server error.
    await admin.addFault({ kind: 'error', status: 400, path: '^/apimanager/', times: 1 });
    expect((await anypoint.get(anypoint.apis())).body).toEqual({ name: 'BadRequestError', status: 400, message: 'Bad Request' });
    const limited = await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications`);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ status: 429, message: 'Too Many Requests' });
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 4);
    expect((await anypoint.get(anypoint.apis())).status).toBe(200);
    const log = await admin.requests();
    expect(log.counts).toEqual({
      'GET /apimanager/api/v1/organizations/:orgId/environments/:envId/apis': 3,
      'GET /exchange/api/v2/organizations/:orgId/applications': 1,
    });
    expect(log.writes).toBe(0);
  });

  it('commits a write whose response is lost', async () => {
    await admin.addFault({ kind: 'lostResponse', method: 'POST', path: '/apis$', times: 1 });
    const lost = await anypoint.post(anypoint.apis(), { technology: 'mule4', instanceLabel: 'lost', spec: { groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0' } });
    expect(lost.status).toBe(500);
    expect((await anypoint.get(`${anypoint.apis()}?instanceLabel=lost`)).body.total).toBe(1);
  });

  it('resets to the same org, environments and connected app', async () => {
    await anypoint.createInstance({ instanceLabel: 'wiped' });
    await admin.reset();
    await anypoint.login();
    expect((await anypoint.get(anypoint.apis())).body.total).toBe(0);
    expect((await anypoint.get('/accounts/api/me')).body.client.org_id).toBe(anypoint.org);
    expect(await admin.get('/seed')).toMatchObject({ orgId: anypoint.org, environments: anypoint.sandbox.environments });
  });
});

describe('Anypoint sandbox persistence and rate limits', () => {
  it('keeps state, ids and credentials across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'anypoint-sandbox-'));
    const first = new AnypointTestClient(await startAnypointSandbox({ stateDir }));
    await first.login();
    const instance = await first.createInstance({ instanceLabel: 'survives' });
    await first.sandbox.close();
    const second = new AnypointTestClient(await startAnypointSandbox({ stateDir }));
    try {
      expect(second.sandbox.orgId).toBe(first.sandbox.orgId);
      expect(second.sandbox.connectedApp).toEqual(first.sandbox.connectedApp);
      await second.login();
      expect((await second.get(`${second.apis()}/${instance.id}`)).body.instanceLabel).toBe('survives');
    } finally {
      await second.sandbox.close();
    }
  });

  it('announces X-RateLimit headers and answers 429 past the platform profile\'s window', async () => {
    const anypoint = await startAnypoint({ rateLimitProfile: 'platform' });
    try {
      const res = await anypoint.get('/accounts/api/me');
      expect(res.headers['x-ratelimit-limit']).toBe('500');
      expect(Number(res.headers['x-ratelimit-remaining'])).toBe(498);
      const seen: number[] = [];
      for (let i = 0; i < 101; i++) seen.push((await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications`)).status);
      expect(seen.slice(0, 100).every((s) => s === 200)).toBe(true);
      expect(seen[100]).toBe(429);
    } finally {
      await anypoint.sandbox.close();
    }
  });
});
