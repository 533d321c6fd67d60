import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import * as activities from '../../src/activities';
import { OktaClient } from '../../src/clients/okta';
import type { OktaTenantConfig, TenantConfig } from '../../src/config/tenant';
import { cancelOnboardingSignal, confirmGroupAssignmentUpdate, type OnboardingProgress } from '../../src/workflows/messages';
import { inventoryDiff, inventoryOf, type Inventory } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';

/*
 * A failure injected at each phase of the onboarding, on the sandboxes: compensation must leave
 * Okta and Anypoint exactly as they were before the run, and never touch what existed before it.
 */

const REFUSED = 400; // a validation error: not retried, so the step fails at once

describe('compensation on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
  });
  afterAll(async () => {
    await okta?.close();
    await stack?.close();
    await env?.teardown();
  });
  // The tenant's resource names are fixed by the tenant file, so every test starts from a fresh org.
  beforeEach(async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
  });

  /** Resources made directly through the Okta API before the run, as an admin would have. */
  async function preExisting(): Promise<string[]> {
    // Same description as the tenant file: the plan finds it converged, so the run must leave it alone.
    await okta.createGroup({ name: 'goldSubscribers', description: 'Consumers of the gold tier' });
    await okta.createGroup({ name: 'unrelated', description: 'Not the onboarding’s business' });
    return ['okta.group:goldSubscribers', 'okta.group:unrelated', 'okta.authServer:default', 'okta.policy:default/Default Policy'];
  }

  const adoptDefault = (cfg: OktaTenantConfig): OktaTenantConfig => ({ ...cfg, okta: { ...cfg.okta, authorizationServer: { adopt: 'default' } } });

  interface Outcome {
    failure: ApplicationFailure;
    progress: OnboardingProgress;
    before: Inventory;
    after: Inventory;
  }

  async function runToFailure(
    cfg: TenantConfig,
    opts: { during?: (handle: WorkflowHandle) => Promise<void>; overrides?: Partial<typeof activities> } = {},
  ): Promise<Outcome> {
    const before = inventoryOf(await stack.state());
    const err = await (await stack.worker(opts.overrides)).runUntil(async () => {
      const handle = await stack.start(cfg);
      await opts.during?.(handle);
      return handle.result().then(
        (r) => new Error(`the run completed instead of failing: ${JSON.stringify(r.progress.steps)}`),
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const progress = (failure as ApplicationFailure).details?.[0] as OnboardingProgress;
    await stack.okta.clearFaults();
    await stack.anypoint.clearFaults();
    return { failure: failure as ApplicationFailure, progress, before, after: inventoryOf(await stack.state()) };
  }

  /** The state after compensation is the state before the run; the pre-existing resources kept their fingerprint. */
  function expectRolledBack({ progress, before, after }: Outcome, kept: string[]) {
    expect(progress.compensation?.failed).toEqual([]);
    expect(progress.compensation?.undone.length).toBeGreaterThan(0);
    expect(inventoryDiff(before, after)).toEqual({ added: [], removed: [], changed: [] });
    expect(after).toEqual(before);
    for (const identity of kept) {
      expect(before[identity]).toBeDefined();
      expect(after[identity]).toBe(before[identity]);
    }
    // Undos only ever concern what the plan showed as absent.
    const preExistingKeys = ['okta.group:goldSubscribers', 'okta.authorizationServer'];
    for (const key of preExistingKeys) {
      if (progress.plan?.entries.find((e) => e.key === key)?.action !== 'create') expect(progress.compensation?.undone).not.toContain(key);
    }
  }

  it('Okta: the policy rule is refused; the authorization server, scopes, groups, apps are removed', async () => {
    const kept = await preExisting();
    await stack.okta.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/policies/[^/]+/rules$' });
    const outcome = await runToFailure(stack.tenant());
    expect(outcome.failure.type).toBe('OnboardingFailed');
    expect(outcome.progress.phase).toBe('failed');
    expect(outcome.failure.message).toMatch(/rule/i);
    expect(outcome.progress.steps.find((s) => s.key === 'okta.policyRule')?.error).toMatch(/create policy rule failed \(HTTP 400/);
    expect(outcome.progress.compensation?.undone).toEqual(expect.arrayContaining(['okta.authorizationServer', 'okta.group:silverSubscribers', 'okta.introspectionClient', 'okta.ssoApp']));
    expectRolledBack(outcome, kept);
  });

  it('Okta: an undo whose parent is already gone counts as done (the server deleted by an admin mid-run)', async () => {
    const kept = await preExisting();
    const outcome = await runToFailure(stack.tenant(), {
      overrides: {
        ensurePolicyRule: async () => {
          await okta.deleteAuthorizationServer((await okta.findAuthorizationServerByName('solar-system'))!.id!);
          throw ApplicationFailure.nonRetryable('rule refused after the server was deleted', 'okta.validation');
        },
      },
    });
    expect(outcome.failure.message).toContain('rule refused after the server was deleted');
    expectRolledBack(outcome, kept);
  });

  it('Anypoint providers: the identity provider is refused; nothing of the adopted default server changes', async () => {
    const kept = await preExisting();
    await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/identityProviders$' });
    const outcome = await runToFailure(adoptDefault(stack.tenant()));
    expect(outcome.failure.type).toBe('OnboardingFailed');
    expect(outcome.failure.message).toMatch(/identity provider/i);
    expect(outcome.progress.plan?.entries.find((e) => e.key === 'okta.authorizationServer')?.action).toBe('unchanged');
    expect(outcome.progress.compensation?.undone).not.toContain('okta.authorizationServer');
    expectRolledBack(outcome, kept);
  });

  it('Anypoint providers: the client provider is refused', async () => {
    const kept = await preExisting();
    await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/clientProviders$' });
    const outcome = await runToFailure(stack.tenant());
    expect(outcome.failure.message).toMatch(/client provider/i);
    expectRolledBack(outcome, kept);
  });

  it('Anypoint providers: a sibling step still retrying when another fails is awaited before the undo', async () => {
    const kept = await preExisting();
    // The client provider is created only on its third attempt (after ~3 s of backoff), long after
    // the identity provider, running beside it, was refused: compensation must not start before.
    await stack.anypoint.addFault({ kind: 'error', status: 503, method: 'POST', path: '/clientProviders$', times: 2 });
    await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/identityProviders$' });
    const outcome = await runToFailure(stack.tenant());
    expect(outcome.failure.message).toMatch(/identity provider/i);
    expect(outcome.progress.steps.find((s) => s.key === 'anypoint.clientProvider')?.outcome).toBe('created');
    expectRolledBack(outcome, kept);
  });

  it('API instance: the second policy is refused after the first was applied', async () => {
    const kept = await preExisting();
    const outcome = await runToFailure(stack.tenant(), {
      overrides: {
        // Refuse policy POSTs only once the first policy exists, so the undo must remove one policy.
        ensureApiPolicy: async (...args: Parameters<typeof activities.ensureApiPolicy>) => {
          if (args[3] === 1) await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/apis/[^/]+/policies$' });
          return activities.ensureApiPolicy(...args);
        },
      },
    });
    expect(outcome.failure.message).toMatch(/policy/i);
    expect(outcome.progress.compensation?.undone).toEqual(expect.arrayContaining(['anypoint.policy:0', 'anypoint.deployment', 'anypoint.apiInstance', 'anypoint.clientProvider']));
    expectRolledBack(outcome, kept);
  });

  it('client applications: the contract is refused; the Okta client Anypoint registered is deleted too', async () => {
    const kept = await preExisting();
    await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/apis/[^/]+/contracts$' });
    const outcome = await runToFailure(stack.tenant());
    expect(outcome.failure.message).toMatch(/contract/i);
    expect(outcome.progress.compensation?.undone).toContain('anypoint.application:Solar System Silver');
    expect(outcome.progress.steps.find((s) => s.key === 'anypoint.application:Solar System Silver')?.outcome).toBe('created');
    expect(await okta.findOidcAppByLabel('Solar System Silver')).toBeUndefined();
    expectRolledBack(outcome, kept);
  });

  it('proof: the gateway does not answer as the tenant expects; everything, incl. the assignment, is removed', async () => {
    const kept = await preExisting();
    const cfg = stack.tenant((c) => ({ ...c, verification: { ...c.verification, denied: [{ method: 'GET', path: '/moons', expect: 200 }] } }));
    const outcome = await runToFailure(cfg, {
      during: async (handle) => {
        const waiting = await stack.waitForPhase(handle, 'awaiting-assignment');
        await stack.assignAsOktaAdmin(waiting);
        await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada' }] });
      },
    });
    expect(outcome.failure.message).toContain('GET /moons answered 403, expected 200');
    expect(outcome.progress.proof?.passed).toBe(false);
    expectRolledBack(outcome, kept);
  });

  it('cancel during the assignment pause: the reason is reported and everything, incl. the DCR client, is removed', async () => {
    const kept = await preExisting();
    const outcome = await runToFailure(adoptDefault(stack.tenant()), {
      during: async (handle) => {
        await stack.waitForPhase(handle, 'awaiting-assignment');
        expect(await okta.findOidcAppByLabel('Solar System Silver')).toBeDefined();
        await handle.signal(cancelOnboardingSignal, { reason: 'wrong tenant', by: 'grace' });
      },
    });
    expect(outcome.failure.type).toBe('OnboardingCancelled');
    expect(outcome.progress.phase).toBe('cancelled');
    expect(outcome.failure.message).toContain('cancelled: wrong tenant (by grace)');
    expect(outcome.progress.steps.find((s) => s.key === 'approval')).toMatchObject({ state: 'failed', error: 'stopped: the run was cancelled' });
    expect(outcome.progress.compensation?.undone).toEqual(expect.arrayContaining(['anypoint.contract:Solar System Silver', 'anypoint.application:Solar System Silver']));
    expect(await okta.findOidcAppByLabel('Solar System Silver')).toBeUndefined();
    expectRolledBack(outcome, kept);
  });

  it('cancel while a create is in flight: compensation waits for it, so what it created is removed too', async () => {
    const kept = await preExisting();
    // A group's create (no parent whose removal would make it fail) is held 3 s at the service; the
    // cancel lands while it is held (the latency rule retires the moment it takes the request).
    const held = await stack.okta.addFault({ kind: 'latency', latencyMs: 3000, method: 'POST', path: '^/api/v1/groups$', times: 1 });
    const outcome = await runToFailure(stack.tenant(), {
      during: async (handle) => {
        for (let i = 0; i < 600 && (await stack.okta.faults()).some((r) => r.id === held.id); i++) await new Promise((r) => setTimeout(r, 20));
        await handle.signal(cancelOnboardingSignal, { reason: 'changed my mind' });
      },
    });
    expect(outcome.failure.type).toBe('OnboardingCancelled');
    expect(outcome.progress.compensation?.undone).toEqual(expect.arrayContaining(['okta.group:silverSubscribers']));
    expectRolledBack(outcome, kept);
  });

  it('a re-run of an onboarded tenant (auto mode) that fails undoes nothing: every resource and assignment existed before it', async () => {
    const auto = (c: TenantConfig): TenantConfig => ({ ...c, assignment: { mode: 'auto' } });
    await (await stack.worker()).runUntil(async () => expect((await (await stack.start(stack.tenant(auto))).result()).progress.phase).toBe('completed'));
    const failingProof = (c: TenantConfig): TenantConfig => ({ ...auto(c), verification: { ...c.verification, denied: [{ method: 'GET', path: '/moons', expect: 200 }] } });
    const outcome = await runToFailure(stack.tenant(failingProof));
    expect(outcome.failure.message).toContain('GET /moons answered 403, expected 200');
    // The assignments the first run made are in the plan as unchanged, so they get no undo.
    expect(outcome.progress.plan?.entries.filter((e) => e.key.includes('ssignment:'))).toEqual([
      expect.objectContaining({ key: 'okta.ssoAssignment:EVERYONE', action: 'unchanged' }),
      expect.objectContaining({ key: 'okta.assignment:Solar System Silver:silverSubscribers', action: 'unchanged' }),
      expect.objectContaining({ key: 'okta.assignment:Solar System Gold:goldSubscribers', action: 'unchanged' }),
      expect.objectContaining({ key: 'okta.assignment:Solar System Web:silverSubscribers', action: 'unchanged' }),
      expect.objectContaining({ key: 'okta.assignment:Solar System Web:goldSubscribers', action: 'unchanged' }),
    ]);
    expect(outcome.progress.compensation).toEqual({ undone: [], failed: [] });
    expect(outcome.after).toEqual(outcome.before);
    expect(Object.keys(outcome.after)).toContain('okta.appGroup:Solar System Silver→silverSubscribers');
  });
});
