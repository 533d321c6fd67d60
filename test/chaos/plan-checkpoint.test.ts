import { MockActivityEnvironment } from '@temporalio/testing';
import * as activities from '../../src/activities';
import { loadTenantFile } from '../../src/config/tenant';
import { startAllSandboxes, type AllSandboxes } from '../../src/sandbox';
import { SandboxAdminClient } from '../../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../../src/sandbox/tenant';
import { EXAMPLE_TENANT } from '../support/onboarding-stack';

/*
 * A plan is a long run of reads. Each entry it finds is checkpointed in the activity's heartbeat
 * details, so an attempt that fails late (or whose worker dies) is resumed by the next one, which
 * reads only what was left, instead of starting over.
 */
describe('the plan activity resumes from its heartbeat checkpoint', () => {
  let sandboxes: AllSandboxes;
  let anypoint: SandboxAdminClient;
  let okta: SandboxAdminClient;
  beforeAll(async () => {
    sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    Object.assign(process.env, sandboxSecretEnv(sandboxes));
    okta = new SandboxAdminClient(sandboxes.okta.url);
    anypoint = new SandboxAdminClient(sandboxes.anypoint.url);
  });
  afterAll(() => sandboxes.close());

  const requestsSoFar = async () => (await okta.requests()).total + (await anypoint.requests()).total;

  it('an attempt that fails at the API instances is resumed there: the Okta entries are not read again, and the plan is the same', async () => {
    const cfg = pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes);
    const ctx = await activities.readAnypointContext(cfg);
    const startedAt = await requestsSoFar();
    const whole = await new MockActivityEnvironment().run(activities.planOnboarding, cfg, ctx);
    const wholeReads = (await requestsSoFar()) - startedAt;

    // The API instance list keeps failing for this attempt (every in-client and in-worker retry of it).
    await anypoint.addFault({ kind: 'error', status: 503, method: 'GET', path: '/environments/[^/]+/apis$' });
    const first = new MockActivityEnvironment({ attempt: 1 });
    let lastDetails: unknown;
    first.on('heartbeat', (details: unknown) => (lastDetails = details ?? lastDetails));
    await expect(first.run(activities.planOnboarding, cfg, ctx)).rejects.toMatchObject({ type: 'anypoint.server' });
    await anypoint.clearFaults();
    expect(Object.keys((lastDetails as { plan: Record<string, unknown> }).plan).length).toBeGreaterThan(10);

    const beforeResume = await requestsSoFar();
    const resumed = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: lastDetails }).run(activities.planOnboarding, cfg, ctx);
    const resumedReads = (await requestsSoFar()) - beforeResume;
    expect(resumed).toEqual(whole);
    // Only what came after the checkpoint was read again (and the reads that make no plan entry: Okta endpoints, the Exchange asset).
    expect(resumedReads).toBeLessThan(wholeReads / 2);
  });
});
