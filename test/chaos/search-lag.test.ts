import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { renderProgress } from '../../src/cli/render';
import { OktaClient } from '../../src/clients/okta';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';
import { autoAssignment, expectCompletedAndProven, expectExactlyTheExampleTenant } from '../e2e/support/onboarding-run';

/*
 * Okta's lists and searches trail its writes. A create whose response was lost is retried after a
 * look-up; if the look-up cannot see the resource yet, the retry creates it a second time (app
 * labels are not unique: the retry then removes the first, src/activities/duplicates.ts) or is
 * refused as a duplicate (group names are).
 */

const ID = '[^/]+';
const LAG_MS = Number(process.env.CHAOS_SEARCH_LAG_MS ?? 800);
/** Apps the example's onboarding creates through /api/v1/apps: the introspection client and the SSO app. */
const CREATED_APPS = 2;

describe('Okta search results that lag behind writes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  beforeEach(async () => {
    stack = await OnboardingStack.start(env);
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('hides a new group from lists and searches for the lag, while a read by id sees it at once', async () => {
    await stack.okta.put('/okta/search-lag', { ms: 1_000 });
    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    try {
      const group = await okta.createGroup({ name: 'lagging-group' });
      await expect(okta.findGroupByName('lagging-group')).resolves.toBeUndefined();
      const byId = await stack.okta.state<{ groups: Record<string, unknown> }>();
      expect(byId.groups[group.id]).toBeDefined();
      await new Promise((r) => setTimeout(r, 1_100));
      await expect(okta.findGroupByName('lagging-group')).resolves.toMatchObject({ id: group.id });
    } finally {
      await okta.close();
    }
  });

  async function onboardWithLostCreates(lagMs: number, creates: { method: string; path: string; times?: number }[]) {
    const before = inventoryOf(await stack.state());
    await stack.okta.put('/okta/search-lag', { ms: lagMs });
    for (const spec of creates) await stack.okta.addFault({ kind: 'lostResponse', ...spec, times: spec.times ?? 1 });
    const progress = await (await stack.worker()).runUntil(async () => (await (await stack.start(stack.tenant(autoAssignment))).result()).progress);
    expectCompletedAndProven(progress);
    expect(await stack.okta.faults()).toEqual([]);
    await expectExactlyTheExampleTenant(stack, before);
  }

  it('names Okta keeps unique (authorization server, groups): a lost create retried while lists lag 3 s → the existing one is adopted, nothing twice', async () => {
    // The retry's look-up misses the resource, its create is refused "already exists", and the
    // client looks again until the index shows it, instead of failing the run as a conflict.
    await onboardWithLostCreates(3_000, [
      { method: 'POST', path: '^/api/v1/authorizationServers$' },
      { method: 'POST', path: '^/api/v1/groups$', times: 2 },
      { method: 'POST', path: `^/api/v1/authorizationServers/${ID}/scopes$`, times: 2 },
    ]);
  });

  it(`apps (labels are not unique): a lost create retried while lists lag ${LAG_MS} ms, less than the first activity retry interval → nothing twice`, async () => {
    await onboardWithLostCreates(LAG_MS, [{ method: 'POST', path: '^/api/v1/apps$', times: 2 }]);
  });

  it('apps: a lost create retried while lists lag 3 s, longer than the retry interval → the retry makes a second app, finds the first once the list shows its own, removes it and says so', async () => {
    const before = inventoryOf(await stack.state());
    await stack.okta.put('/okta/search-lag', { ms: 3_000 });
    await stack.okta.addFault({ kind: 'lostResponse', method: 'POST', path: '^/api/v1/apps$', times: 1 });
    const progress = await (await stack.worker()).runUntil(async () => (await (await stack.start(stack.tenant(autoAssignment))).result()).progress);
    expectCompletedAndProven(progress);
    await expectExactlyTheExampleTenant(stack, before);
    // Two creates of the first app went through (the lost one and the retry's); the first one was deleted again.
    const log = (await stack.okta.requests()).entries;
    const appCreates = log.filter((e) => e.method === 'POST' && /^\/api\/v1\/apps(\?|$)/.test(e.url) && (e.status < 300 || e.fault === 'lostResponse'));
    expect(appCreates).toHaveLength(CREATED_APPS + 1);
    expect(log.filter((e) => e.method === 'DELETE' && /^\/api\/v1\/apps\/[^/]+$/.test(e.url))).toHaveLength(1);
    const noted = progress.steps.filter((step) => step.notes?.length);
    expect(noted).toHaveLength(1);
    expect(noted[0].notes).toEqual([expect.stringMatching(/^Removed a duplicate Okta app ".+" \(\w+, created .+\): an earlier try's create, whose response was lost/)]);
    // `status` shows it under the step.
    expect(renderProgress(progress)).toContain(`      note: ${noted[0].notes![0]}`);
  });
});
