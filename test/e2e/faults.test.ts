import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FaultSpec } from '../../src/sandbox/core';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';
import { autoAssignment, expectCompletedAndProven, expectExactlyTheExampleTenant } from './support/onboarding-run';

/*
 * The failures that make naive provisioning create things twice: a write the service committed
 * whose response never arrived, and bursts of 429s. Each run must still complete, prove the
 * integration, and leave exactly the resources of a clean run.
 */

const ID = '[^/]+';

/** Every create (and the writes that complete one) the onboarding makes in Okta. */
const OKTA_CREATES: Omit<FaultSpec, 'kind'>[] = [
  { method: 'POST', path: '^/api/v1/authorizationServers$' },
  { method: 'POST', path: `^/api/v1/authorizationServers/${ID}/scopes$`, times: 2 },
  { method: 'POST', path: '^/api/v1/groups$', times: 2 },
  { method: 'POST', path: `^/api/v1/authorizationServers/${ID}/policies$` },
  { method: 'POST', path: `^/api/v1/authorizationServers/${ID}/policies/${ID}/rules$` },
  // The introspection client and the SSO app.
  { method: 'POST', path: '^/api/v1/apps$', times: 2 },
  // The SSO app's redirect URI (a replace of the app).
  { method: 'PUT', path: `^/api/v1/apps/${ID}$` },
  // The group assignments of the SSO app and of the registered client (auto mode).
  { method: 'PUT', path: `^/api/v1/apps/${ID}/groups/${ID}$`, times: 2 },
];

/** Every create the onboarding makes in Anypoint (the sandbox seeds the Exchange asset, so it is not published). */
const ANYPOINT_CREATES: Omit<FaultSpec, 'kind'>[] = [
  { method: 'POST', path: `^/accounts/api/organizations/${ID}/clientProviders$` },
  { method: 'POST', path: `^/accounts/api/organizations/${ID}/identityProviders$` },
  { method: 'POST', path: `^/apimanager/x?api/v1/organizations/${ID}/environments/${ID}/apis$` },
  { method: 'POST', path: `/apis/${ID}/deployments$` },
  { method: 'POST', path: `^/apimanager/api/v1/organizations/${ID}/environments/${ID}/apis/${ID}/policies$`, times: 2 },
  // Anypoint registers the client in Okta through DCR while creating the application: a retry
  // must find the application, not register a second Okta client.
  { method: 'POST', path: `^/exchange/api/v2/organizations/${ID}/applications$` },
  // Without SLA tiers the contract is approved as it is created: there is no approval call to lose.
  { method: 'POST', path: `/apis/${ID}/contracts$` },
];

describe('onboarding under faults', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  // Fresh sandboxes per test: each run must start from the seed alone to be compared with a clean run.
  beforeEach(async () => {
    stack = await OnboardingStack.start(env);
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function onboard() {
    const cfg = stack.tenant(autoAssignment);
    return (await stack.worker()).runUntil(async () => (await (await stack.start(cfg)).result()).progress);
  }

  it.each([
    { okta: 'status', anypoint: 'reset' },
    { okta: 'reset', anypoint: 'status' },
  ] as const)('every create committed but its response lost (Okta: $okta, Anypoint: $anypoint) → completes, nothing twice', async (modes) => {
    const before = inventoryOf(await stack.state());
    for (const spec of OKTA_CREATES) await stack.okta.addFault({ kind: 'lostResponse', mode: modes.okta, times: 1, ...spec });
    for (const spec of ANYPOINT_CREATES) await stack.anypoint.addFault({ kind: 'lostResponse', mode: modes.anypoint, times: 1, ...spec });

    expectCompletedAndProven(await onboard());

    // Every rule fired as often as it was allowed to (a rule retires after its last time), so each create really lost its response.
    expect(await stack.okta.faults()).toEqual([]);
    expect(await stack.anypoint.faults()).toEqual([]);
    const lost = async (s: typeof stack.okta) => (await s.requests()).entries.filter((e) => e.fault === 'lostResponse').length;
    const expected = (specs: Omit<FaultSpec, 'kind'>[]) => specs.reduce((n, s) => n + (s.times ?? 1), 0);
    expect(await lost(stack.okta)).toBe(expected(OKTA_CREATES));
    expect(await lost(stack.anypoint)).toBe(expected(ANYPOINT_CREATES));
    await expectExactlyTheExampleTenant(stack, before);
  });

  it('429 storms on both services → completes after the announced resets, nothing twice', async () => {
    const before = inventoryOf(await stack.state());
    // Steps have a time budget, not a count of attempts: a write refused more times in a row than
    // any fixed count (here 13, each with a 1 s reset) only makes the run wait. Sprinkled 429s hit
    // the rest, the proof included: the gateway answers 500 when its introspection is refused (as a
    // real one does), and the proof takes a 5xx as "try again", not as a verdict.
    const burst = { kind: 'rateLimit', times: 13, retryAfterSeconds: 1 } as const;
    const sprinkle = { kind: 'rateLimit', probability: 0.2, times: 6, retryAfterSeconds: 1 } as const;
    const rules = [
      await stack.okta.addFault({ ...burst, method: 'POST', path: `^/api/v1/authorizationServers/${ID}/scopes$` }),
      await stack.anypoint.addFault({ ...burst, method: 'POST', path: `^/apimanager/x?api/v1/organizations/${ID}/environments/${ID}/apis$` }),
      // Left out in Okta: the DCR registration Anypoint makes on the onboarding's behalf; Anypoint
      // relays a refused registration as a 400, which is final.
      await stack.okta.addFault({ ...sprinkle, path: '^(?!/oauth2/v1/clients$)' }),
      await stack.anypoint.addFault(sprinkle),
    ];

    expectCompletedAndProven(await onboard());

    // Each burst ran its course (the rules retire after their last refusal); every refusal was a 429.
    const remaining = [...(await stack.okta.faults()), ...(await stack.anypoint.faults())].map((r) => r.id);
    expect(remaining).not.toContain(rules[0].id);
    expect(remaining).not.toContain(rules[1].id);
    const limited = [...(await stack.okta.requests()).entries, ...(await stack.anypoint.requests()).entries].filter((e) => e.fault === 'rateLimit');
    expect(limited.length).toBeGreaterThanOrEqual(2 * burst.times);
    expect(new Set(limited.map((e) => e.status))).toEqual(new Set([429]));
    await expectExactlyTheExampleTenant(stack, before);
  });
});
