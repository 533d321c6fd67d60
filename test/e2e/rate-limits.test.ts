import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_SLOTS_PER_ORG } from '../../src/activities/admission';
import { sharingTenant } from '../../src/sandbox/tenant';
import { orgAdmissionIdFor } from '../../src/workflows/ids';
import { orgAdmissionQuery } from '../../src/workflows/org-admission';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';

/*
 * Many tenants onboarded at once on one Okta org and one Anypoint org under the free org's limits
 * (the `developer` profile: 20 calls a minute in `/api/v1/apps*`, 25 in `/oauth2/v1/clients`). The
 * budget, not the engine, sets the pace; the Okta client paces from the X-Rate-Limit-* headers
 * instead of running into 429s, and no step rolls back for having waited: the org's admission lets
 * only a few build at once, the others wait in their workflows.
 *
 * 50 APIs on one org, as an admin runs them: Anypoint takes 25 client providers per org, so the first
 * tenant (the example) creates the authorization server, introspection client and client provider,
 * and the 49 others adopt them by name (src/sandbox/tenant.ts sharingTenant). The sandboxes'
 * rate-limit windows last WINDOW_MS instead of a minute (time scaled), so the budget of many real
 * minutes is spent in about a minute. The step timeouts are not scaled.
 */
const TENANTS = 50;
const WINDOW_MS = 3_000;

describe('many tenants on one org under the free org rate limits', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env, { rateLimitProfile: 'developer', rateLimitWindowMs: WINDOW_MS });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it(`${TENANTS} onboardings at once all complete with no rollback, at most ${DEFAULT_SLOTS_PER_ORG} building at a time, and fewer than 5% of requests are answered 429`, async () => {
    const owner = stack.tenant((c) => ({ ...c, assignment: { mode: 'auto' } }));
    const sharers = Array.from({ length: TENANTS - 1 }, (_, i) => sharingTenant(owner, i + 1));
    const tenants = [owner, ...sharers];
    await stack.okta.clearRequests();
    await stack.anypoint.clearRequests();
    const worker = await stack.worker();
    const admission = stack.client.workflow.getHandle(orgAdmissionIdFor(owner.okta.orgUrl, stack.taskQueue));
    const seen = { mostBuilding: 0, mostWaiting: 0 };
    const outcomes = await worker.runUntil(async () => {
      // What the others adopt exists once the first has onboarded; then the 49 start at once.
      const first = await (await stack.start(owner)).result();
      const handles = await Promise.all(sharers.map((cfg) => stack.start(cfg)));
      let done = false;
      const watching = (async () => {
        while (!done) {
          const line = await admission.query(orgAdmissionQuery).catch(() => undefined);
          seen.mostBuilding = Math.max(seen.mostBuilding, line?.holders.length ?? 0);
          seen.mostWaiting = Math.max(seen.mostWaiting, line?.waiting.length ?? 0);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const progress = [first.progress, ...(await Promise.all(handles.map(async (h) => (await h.result()).progress)))];
      done = true;
      await watching;
      // Every slot came back.
      expect(await admission.query(orgAdmissionQuery)).toMatchObject({ holders: [], waiting: [] });
      return progress;
    });
    expect(outcomes.map((p) => [p.phase, p.compensation ?? 'no rollback'])).toEqual(tenants.map(() => ['completed', 'no rollback']));
    expect(seen.mostBuilding).toBeLessThanOrEqual(DEFAULT_SLOTS_PER_ORG);
    expect(seen.mostWaiting).toBeGreaterThan(0);
    // One client provider for the 50 API instances.
    const anypointState = (await stack.state()).anypoint;
    expect(anypointState.clientProviders).toHaveLength(1);
    expect(new Set(anypointState.apis.map((a) => a.providerId))).toEqual(new Set([anypointState.clientProviders[0].providerId]));

    const okta = (await stack.okta.requests()).entries;
    const appsBucket = okta.filter((e) => /^\/api\/v1\/apps(\/|$|\?)/.test(e.url) && !/^\/api\/v1\/apps\/[^/?]+(\?|$)/.test(e.url));
    // The limits did bite: the apps bucket alone needed many windows.
    expect(appsBucket.length).toBeGreaterThan(10 * 20);
    const all = [...okta, ...(await stack.anypoint.requests()).entries];
    const refused = all.filter((e) => e.status === 429).length;
    expect({ refused, share: refused / all.length < 0.05 }).toEqual({ refused, share: true });
  }, 15 * 60_000);
});
