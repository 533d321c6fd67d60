import { anypointActivities } from '../../src/activities/anypoint';
import { planOnboarding } from '../../src/activities/plan';
import { loadTenantFile } from '../../src/config/tenant';
import { startAllSandboxes, type AllSandboxes } from '../../src/sandbox';
import { SandboxAdminClient, type FaultSpec } from '../../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../../src/sandbox/tenant';
import { EXAMPLE_TENANT } from '../support/onboarding-stack';

/*
 * A plan is a long series of reads; before reads were retried inside the clients, any one failed
 * read threw the whole attempt away and the activity backed off towards a minute. Here the plan
 * activity's function is called once: if it resolves, one activity attempt was enough.
 */
describe('reads retried inside the clients', () => {
  let sandboxes: AllSandboxes;
  let okta: SandboxAdminClient;
  let anypoint: SandboxAdminClient;

  beforeEach(async () => {
    sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    Object.assign(process.env, sandboxSecretEnv(sandboxes));
    okta = new SandboxAdminClient(sandboxes.okta.url);
    anypoint = new SandboxAdminClient(sandboxes.anypoint.url);
  });
  afterEach(() => sandboxes.close());

  const tenant = () => pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes);
  const firedOf = async (admin: SandboxAdminClient) => (await admin.requests()).entries.filter((e) => e.method === 'GET' && e.fault).length;

  it('a dropped connection, a 503 and a short 429 on the first reads of each service cost one plan attempt nothing', async () => {
    const reads: FaultSpec[] = [
      { kind: 'drop', method: 'GET', times: 1 },
      { kind: 'error', method: 'GET', status: 503, times: 1 },
      { kind: 'rateLimit', method: 'GET', retryAfterSeconds: 1, times: 1 },
    ];
    for (const fault of reads) {
      await okta.addFault(fault);
      await anypoint.addFault(fault);
    }
    const cfg = tenant();
    const ctx = await anypointActivities.readAnypointContext(cfg);
    const plan = await planOnboarding(cfg, ctx);

    expect(plan.entries.length).toBeGreaterThan(10);
    // Every fault fired (the rules retired), on reads, and the plan still came back from its first attempt.
    expect(await okta.faults()).toEqual([]);
    expect(await anypoint.faults()).toEqual([]);
    expect(await firedOf(okta)).toBe(3);
    expect(await firedOf(anypoint)).toBe(3);
  });

  it('under a seeded 20% read-fault rate of every kind, ten plans in a row each complete in one attempt', async () => {
    for (const admin of [okta, anypoint]) {
      await admin.seedFaults('plan-20');
      // About 20% of reads in all: each rule takes its share of what the previous ones let through.
      await admin.addFault({ kind: 'drop', method: 'GET', probability: 0.07 });
      await admin.addFault({ kind: 'error', method: 'GET', status: 502, probability: 0.07 });
      await admin.addFault({ kind: 'rateLimit', method: 'GET', retryAfterSeconds: 0, probability: 0.07 });
    }
    const cfg = tenant();
    const ctx = await anypointActivities.readAnypointContext(cfg);
    // Without in-client retries a plan of ~16 reads survives 20% faults about 3% of the time (0.8^16).
    for (let attempt = 0; attempt < 10; attempt++) expect((await planOnboarding(cfg, ctx)).entries.length).toBeGreaterThan(10);
    const reads = (await okta.requests()).entries.length + (await anypoint.requests()).entries.length;
    const faulted = (await firedOf(okta)) + (await firedOf(anypoint));
    expect(faulted / reads).toBeGreaterThan(0.1);
  });
});
