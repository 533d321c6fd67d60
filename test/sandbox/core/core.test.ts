import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { OKTA_RATE_LIMIT_HEADERS, RunningSandbox, SandboxAdminClient, SandboxServiceDefinition, startSandbox } from '../../../src/sandbox/core';
import { requestShape } from '../../../src/sandbox/core/faults';

interface NotesState {
  notes: { id: number; text: string }[];
}

/** A toy service: enough to exercise the shared machinery without either real emulator. */
const notesService: SandboxServiceDefinition<NotesState> = {
  name: 'notes',
  seed: () => ({ notes: [] }),
  rateLimitHeaders: OKTA_RATE_LIMIT_HEADERS,
  rateLimitProfiles: { tight: (_m, path) => (path.startsWith('/notes') ? { key: '/notes*', limit: 3 } : undefined) },
  serverError: (status) => ({ status, body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' } }),
  rateLimited: () => ({ status: 429, body: { errorCode: 'E0000047' } }),
  routes(app, ctx) {
    app.get('/notes', async () => ctx.state.notes);
    app.post<{ Body: { text: string } }>('/notes', async (req, reply) => {
      const note = { id: ctx.state.notes.length + 1, text: req.body.text };
      ctx.state.notes.push(note);
      return reply.code(201).send(note);
    });
  },
};

async function call(base: string, method: 'GET' | 'POST', body?: unknown) {
  const res = await request(`${base}/notes`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('sandbox core', () => {
  let sandbox: RunningSandbox<NotesState>;
  let admin: SandboxAdminClient;

  beforeEach(async () => {
    sandbox = await startSandbox(notesService);
    admin = new SandboxAdminClient(sandbox.url);
  });
  afterEach(() => sandbox.close());

  it('counts requests exactly per route and separates writes', async () => {
    await call(sandbox.url, 'POST', { text: 'a' });
    await call(sandbox.url, 'GET');
    await call(sandbox.url, 'GET');
    const log = await admin.requests();
    expect(log.counts).toEqual({ 'GET /notes': 2, 'POST /notes': 1 });
    expect(log.writes).toBe(1);
    expect(log.total).toBe(3);
  });

  it('a lost response still commits the write and the client sees a 500', async () => {
    await admin.addFault({ kind: 'lostResponse', method: 'POST', times: 1 });
    const res = await call(sandbox.url, 'POST', { text: 'committed' });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).errorCode).toBe('E0000009');
    expect(JSON.parse((await call(sandbox.url, 'GET')).body)).toEqual([{ id: 1, text: 'committed' }]);
  });

  it('a lost response in reset mode commits the write and resets the connection', async () => {
    await admin.addFault({ kind: 'lostResponse', method: 'POST', mode: 'reset', times: 1 });
    await expect(call(sandbox.url, 'POST', { text: 'x' })).rejects.toThrow();
    expect(JSON.parse((await call(sandbox.url, 'GET')).body)).toHaveLength(1);
  });

  it('a dropped connection writes nothing', async () => {
    await admin.addFault({ kind: 'drop', method: 'POST', times: 1 });
    await expect(call(sandbox.url, 'POST', { text: 'x' })).rejects.toThrow();
    expect(JSON.parse((await call(sandbox.url, 'GET')).body)).toEqual([]);
    expect((await admin.requests()).entries[0]).toMatchObject({ status: 0, fault: 'drop' });
  });

  it('injected errors and 429 bursts refuse the request before it is handled', async () => {
    await admin.addFault({ kind: 'error', status: 502, times: 1 });
    await admin.addFault({ kind: 'rateLimit', retryAfterSeconds: 5, times: 1 });
    expect((await call(sandbox.url, 'POST', { text: 'x' })).status).toBe(502);
    const limited = await call(sandbox.url, 'POST', { text: 'x' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['x-rate-limit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 4);
    expect((await call(sandbox.url, 'POST', { text: 'x' })).status).toBe(201);
    expect(await admin.faults()).toEqual([]);
  });

  it('refuses an invalid fault spec with the field named', async () => {
    await expect(admin.addFault({ kind: 'latency', path: '(' })).rejects.toThrow(/path must be a valid regular expression/);
  });
});

describe('sandbox fault seed', () => {
  /** Which of 40 GETs a 30% error rule refuses, on a fresh sandbox seeded with `seed`. */
  async function refusalPattern(seed: string | null, via: 'admin' | 'option'): Promise<string> {
    const sandbox = await startSandbox(notesService, via === 'option' && seed !== null ? { faultSeed: seed } : {});
    try {
      const admin = new SandboxAdminClient(sandbox.url);
      if (via === 'admin') await admin.seedFaults(seed);
      await admin.addFault({ kind: 'error', method: 'GET', probability: 0.3 });
      let pattern = '';
      for (let i = 0; i < 40; i++) pattern += (await call(sandbox.url, 'GET')).status === 503 ? 'x' : '.';
      return pattern;
    } finally {
      await sandbox.close();
    }
  }

  it('replays exactly the same faults for the same seed, through the admin API or the option', async () => {
    const first = await refusalPattern('chaos-1', 'admin');
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    await expect(refusalPattern('chaos-1', 'admin')).resolves.toBe(first);
    await expect(refusalPattern('chaos-1', 'option')).resolves.toBe(first);
    await expect(refusalPattern('chaos-2', 'admin')).resolves.not.toBe(first);
  });

  it("draws a request's fault by its shape: ids blanked, resource names kept", () => {
    expect(requestShape('GET', '/api/v1/apps/0oa1b2c3d4e5f6g7h8i9/groups?limit=200')).toBe('GET /api/v1/apps/{id}/groups?limit=200');
    // 20 letters, but no id: two searches of authorization servers and of apps stay apart.
    expect(requestShape('GET', '/api/v1/authorizationServers?q=solar')).toBe('GET /api/v1/authorizationServers?q=solar');
    expect(requestShape('DELETE', '/apimanager/api/v1/organizations/4b2c1f7e-2a3d-4e5f-8a9b-0c1d2e3f4a5b/environments/7/apis/42')).toBe('DELETE /apimanager/api/v1/organizations/{id}/environments/{id}/apis/{id}');
  });

  it('faults the same requests whatever order they arrive in (parallel reads race differently on every run)', async () => {
    /** Which of 30 distinct GETs (by query) a 30% error rule refuses, sent in `order`. */
    async function refused(order: number[]): Promise<number[]> {
      const sandbox = await startSandbox(notesService, { faultSeed: 'order' });
      try {
        await new SandboxAdminClient(sandbox.url).addFault({ kind: 'error', method: 'GET', probability: 0.3 });
        const hit: number[] = [];
        for (const n of order) if ((await request(`${sandbox.url}/notes?page=${n}`)).statusCode === 503) hit.push(n);
        return hit.sort((a, b) => a - b);
      } finally {
        await sandbox.close();
      }
    }
    const forwards = Array.from({ length: 30 }, (_, i) => i);
    const hit = await refused(forwards);
    expect(hit.length).toBeGreaterThan(0);
    expect(hit.length).toBeLessThan(30);
    await expect(refused([...forwards].reverse())).resolves.toEqual(hit);
  });

  it('reports the seed in force and refuses a seed that is not a string or a number', async () => {
    const sandbox = await startSandbox(notesService, { faultSeed: 7 });
    try {
      const admin = new SandboxAdminClient(sandbox.url);
      await expect(admin.get('/faults-seed')).resolves.toEqual({ seed: '7' });
      await admin.seedFaults(null);
      await expect(admin.get('/faults-seed')).resolves.toEqual({ seed: null });
      const res = await request(`${sandbox.url}/__sandbox/faults-seed`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed: { a: 1 } }) });
      expect(res.statusCode).toBe(400);
      expect(await res.body.json()).toMatchObject({ message: 'seed must be a string, a number or null' });
    } finally {
      await sandbox.close();
    }
  });
});

describe('sandbox core rate limits and persistence', () => {
  it('announces limits on every response and answers 429 past the bucket limit', async () => {
    const sandbox = await startSandbox(notesService, { rateLimitProfile: 'tight' });
    try {
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(await call(sandbox.url, 'GET'));
      expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(seen.map((r) => r.headers['x-rate-limit-remaining'])).toEqual(['2', '1', '0', '0']);
      expect(seen[0].headers['x-rate-limit-limit']).toBe('3');
    } finally {
      await sandbox.close();
    }
  });

  it('refuses an unknown rate-limit profile by name', async () => {
    await expect(startSandbox(notesService, { rateLimitProfile: 'nope' })).rejects.toThrow(/use one of: unlimited, tight/);
  });

  it('keeps state across a restart when given a state folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-core-'));
    const first = await startSandbox(notesService, { stateDir: dir });
    await call(first.url, 'POST', { text: 'survives' });
    await first.close();
    const second = await startSandbox(notesService, { stateDir: dir });
    try {
      expect(JSON.parse((await call(second.url, 'GET')).body)).toEqual([{ id: 1, text: 'survives' }]);
    } finally {
      await second.close();
    }
  });
});
