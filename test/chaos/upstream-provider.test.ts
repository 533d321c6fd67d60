import type { TestWorkflowEnvironment } from '@temporalio/testing';
import * as activities from '../../src/activities';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';
import { autoAssignment, expectCompletedAndProven, expectExactlyTheExampleTenant } from '../e2e/support/onboarding-run';

/*
 * Creating the client provider makes Anypoint fetch the Okta issuer's discovery document. When
 * that one request fails, Anypoint answers 400 "Invalid OIDC provider issuer provided": the run
 * used to take it as bad input, roll everything back and blame the tenant file.
 */

const DISCOVERY = '^/oauth2/[^/]+/\\.well-known/openid-configuration$';

describe('a client provider refused because Anypoint could not reach Okta', () => {
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

  /** The client-provider step, with `fault` added on Okta just before its first attempt (the worker read the discovery document earlier). */
  function faultBeforeClientProvider(fault: () => Promise<unknown>): Partial<typeof activities> {
    let armed = false;
    return {
      ensureClientProvider: async (...args: Parameters<typeof activities.ensureClientProvider>) => {
        if (!armed) {
          armed = true;
          await fault();
        }
        return activities.ensureClientProvider(...args);
      },
    };
  }

  it('one dropped discovery request that only Anypoint makes → the step is retried and the onboarding completes', async () => {
    const before = inventoryOf(await stack.state());
    const worker = await stack.worker(faultBeforeClientProvider(() => stack.okta.addFault({ kind: 'drop', method: 'GET', path: DISCOVERY, times: 1 })));
    const progress = await worker.runUntil(async () => (await (await stack.start(stack.tenant(autoAssignment))).result()).progress);

    expectCompletedAndProven(progress);
    // The drop really hit Anypoint's call, and Anypoint really refused the provider once.
    expect(await stack.okta.faults()).toEqual([]);
    const refused = (await stack.anypoint.requests()).entries.filter((e) => e.method === 'POST' && /clientProviders$/.test(e.route) && e.status === 400);
    expect(refused).toHaveLength(1);
    await expectExactlyTheExampleTenant(stack, before);
  });

  it('an Okta issuer that does not answer the worker either → fails naming the provider and its URL, not the tenant file', async () => {
    const worker = await stack.worker(faultBeforeClientProvider(() => stack.okta.addFault({ kind: 'drop', method: 'GET', path: DISCOVERY })));
    const failure = await worker.runUntil(async () => (await stack.start(stack.tenant(autoAssignment))).result().then(() => undefined, (err: Error) => err));
    const cause = String((failure?.cause as Error | undefined)?.message);
    expect(cause).toMatch(/OpenID provider at http[^ ]*\/oauth2\/[^/ ]+\/\.well-known\/openid-configuration is the cause, not the tenant file/);
    expect(cause).not.toMatch(/correct the value named in the message in the tenant file/);
    expect(cause).toContain('rolled back');
  });
});
