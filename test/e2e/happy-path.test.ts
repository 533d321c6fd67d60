import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { confirmGroupAssignmentUpdate } from '../../src/workflows/messages';
import { inventoryOf, secretsOf } from '../support/inventory';
import { get } from '../sandbox/e2e/okta-support';
import { expectExactlyTheExampleTenant } from './support/onboarding-run';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal } from '../support/temporal';
import { isConfigurationWrite } from '../../src/sandbox/core';

describe('onboarding the example tenant on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('pauses for the assignment, completes after approval, proves the integration; a re-run writes nothing', async () => {
    const cfg = stack.tenant();
    const before = inventoryOf(await stack.state());
    const workflowId = `onboarding-${cfg.tenant.id}-${Date.now()}`;
    let history: Awaited<ReturnType<Awaited<ReturnType<typeof stack.start>>['fetchHistory']>> | undefined;
    await (await stack.worker()).runUntil(async () => {
      const handle = await stack.start(cfg, workflowId);
      const waiting = await stack.waitForPhase(handle, 'awaiting-assignment');
      // The applications are registered in parallel: in any order.
      expect([...waiting.missingAssignments].sort()).toEqual([
        expect.stringMatching(/^Solar System Gold \(\w+\) → goldSubscribers$/),
        expect.stringMatching(/^Solar System Silver \(\w+\) → silverSubscribers$/),
        expect.stringMatching(/^Solar System Web \(\w+\) → goldSubscribers$/),
        expect.stringMatching(/^Solar System Web \(\w+\) → silverSubscribers$/),
      ]);

      // Approval before the assignment exists is refused, and the run keeps waiting.
      await expect(handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada' }] })).rejects.toMatchObject({ cause: { message: expect.stringContaining('silverSubscribers') } });
      expect((await stack.waitForPhase(handle, 'awaiting-assignment')).phase).toBe('awaiting-assignment');

      // The Okta admin's manual step, then the approval.
      await stack.assignAsOktaAdmin(waiting);
      await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'assigned in Okta' }] });

      const { progress } = await handle.result();
      expect(progress.phase).toBe('completed');
      expect(progress.approval).toMatchObject({ approver: 'ada', note: 'assigned in Okta' });
      // Seed 002's tiers: the silver client reads /planets and is refused /moons; the gold client reads both.
      expect(progress.proof).toMatchObject({
        passed: true,
        clientApplication: 'Solar System Silver',
        introspectionActive: true,
        tokenScopes: ['silver'],
        withoutToken: { actual: 401 },
        probes: [
          { method: 'GET', path: '/planets', actual: 200 },
          { method: 'GET', path: '/moons', actual: 403 },
        ],
        otherClients: [
          {
            clientApplication: 'Solar System Gold',
            passed: true,
            introspectionActive: true,
            tokenScopes: ['silver', 'gold'],
            probes: [
              { method: 'GET', path: '/planets', actual: 200 },
              { method: 'GET', path: '/moons', actual: 200 },
            ],
          },
        ],
      });
      // People (seed 002's carl.sagan in silverSubscribers): authorization code with PKCE and the implicit
      // grant, each token by header and by query parameter; a user in no tier group gets no token.
      const probesOf = (expected: [string, number][]) => expected.flatMap(([path, actual]) => (['header', 'query'] as const).map((tokenIn) => ({ method: 'GET', path, actual, tokenIn, passed: true })));
      expect(progress.proof?.users).toEqual([
        {
          login: 'carl.sagan@example.com',
          expectedRefused: false,
          passed: true,
          flows: ['authorization_code+pkce', 'implicit'].map((flow) => ({ flow, passed: true, tokenScopes: ['openid', 'silver'], probes: probesOf([['/planets', 200], ['/moons', 403]]).map((p) => expect.objectContaining(p)) })),
        },
        {
          login: 'jocelyn.bell@example.com',
          expectedRefused: true,
          passed: true,
          flows: ['authorization_code+pkce', 'implicit'].map((flow) => ({ flow, passed: true, tokenScopes: [], probes: [], error: expect.stringMatching(/^access_denied: /) })),
        },
      ]);
      expect(progress.steps.filter((s) => s.state !== 'done')).toEqual([]);
      history = await handle.fetchHistory();
    });

    // Raw history, read without the codec: none of the secrets used or produced, and it replays.
    const raw = JSON.stringify(history);
    const secrets = secretsOf(await stack.state());
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) expect(raw).not.toContain(secret);
    // The sign-in users' passwords (resolved by the activities from the file's references) neither.
    for (const name of ['SOLAR_SILVER_USER_PASSWORD', 'SOLAR_OUTSIDER_USER_PASSWORD']) expect(raw).not.toContain(process.env[name]!);
    expect(raw).not.toMatch(/eyJ[\w-]+\.eyJ/); // no access token (JWT)
    expect(raw).not.toContain('silverSubscribers'); // payloads are encrypted, not just scrubbed
    await expect(Worker.runReplayHistory({ workflowBundle: getWorkflowBundle('onboarding'), dataConverter: stack.dataConverter }, history!, workflowId)).resolves.toBeUndefined();

    // Exactly the example's resources (the sandbox seeds the solar-system asset in Exchange, as
    // the guides start from a published asset), and nothing that existed before was changed.
    await expectExactlyTheExampleTenant(stack, before);

    // SSO: a user of the Everyone group signs in to Anypoint through Okta (the redirect URI the
    // onboarding wrote back into the Okta app is what makes this work).
    const login = await get(`${stack.sandboxes.anypoint.url}/accounts/login/${stack.sandboxes.anypoint.orgDomain}?login_hint=ada@example.com`);
    const atOkta = await get(login.location!);
    expect(atOkta.status).toBe(302);
    const session = await get(atOkta.location!);
    expect(session.body).toMatchObject({ loggedIn: true, user: { username: 'ada@example.com' } });


    // Re-run of the completed tenant (same workflow id, as the CLI does): converges, proves, writes nothing.
    const settled = inventoryOf(await stack.state());
    const [oktaSeq, anypointSeq] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
    await (await stack.worker()).runUntil(async () => {
      const { progress } = await (await stack.start(cfg, workflowId)).result();
      expect(progress.phase).toBe('completed');
      expect(progress.proof?.passed).toBe(true);
      expect(progress.steps.filter((s) => s.outcome && s.outcome !== 'unchanged')).toEqual([]);
    });
    const rerunRequests = [...(await stack.okta.requests(oktaSeq)).entries, ...(await stack.anypoint.requests(anypointSeq)).entries];
    expect(rerunRequests.length).toBeGreaterThan(20); // it did look everything up
    const writes = rerunRequests
      .filter(isConfigurationWrite)
      .map((e) => `${e.method} ${e.url}`);
    expect(writes).toEqual([]);
    expect(inventoryOf(await stack.state())).toEqual(settled);
  });
});
