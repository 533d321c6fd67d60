import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RequestLogEntry } from '../../src/sandbox/core';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';

/*
 * What the plan learned is not looked up again: counted in the sandboxes' request logs. (A retry
 * after a lost response does look again and creates nothing twice: test/e2e/faults.test.ts.)
 */
describe('API economy of an onboarding', () => {
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

  it('a first onboarding looks each resource up once (in the plan), reads no client secret and lists no app twice; a re-run reads each once and writes nothing', async () => {
    const cfg = stack.tenant((c) => ({ ...c, assignment: { mode: 'auto' } }));
    const calls = async () => {
      const [okta, anypoint] = [await stack.okta.requests(), await stack.anypoint.requests()];
      await stack.okta.clearRequests();
      await stack.anypoint.clearRequests();
      return { okta: okta.entries, anypoint: anypoint.entries };
    };
    const count = (entries: RequestLogEntry[], method: string, pattern: RegExp) => entries.filter((e) => e.method === method && pattern.test(decodeURIComponent(e.url))).length;
    await calls();
    const worker = await stack.worker();
    await worker.runUntil(async () => {
      const { progress } = await (await stack.start(cfg)).result();
      expect(progress.phase).toBe('completed');
    });
    const first = await calls();
    for (const group of cfg.okta.groups) expect([group.name, count(first.okta, 'GET', new RegExp(`/api/v1/groups\\?q=${group.name}&`))]).toEqual([group.name, 1]);
    expect(count(first.okta, 'GET', /\/api\/v1\/groups\?search=/)).toBe(0);
    for (const label of [cfg.okta.introspectionClient.label, cfg.okta.ssoApp!.label]) expect([label, count(first.okta, 'GET', new RegExp(`/api/v1/apps\\?q=${label}&`))]).toEqual([label, 1]);
    expect(count(first.okta, 'GET', /\/api\/v1\/authorizationServers\?q=/)).toBe(1);
    // Nothing under a server the plan did not find is listed: its children are created straight away.
    expect(count(first.okta, 'GET', /\/api\/v1\/authorizationServers\/[^/]+\/(scopes|policies)/)).toBe(0);
    // The secrets came back with the apps' creation: none is read.
    expect(count(first.okta, 'GET', /\/credentials\/secrets/)).toBe(0);
    // Once in preflight (the org's providers against the limit and the API instance's, before any write), once in the plan.
    expect(count(first.anypoint, 'GET', /\/clientProviders$/)).toBe(2);
    // The plan's look-up of each application by name; the proof reads them by id.
    expect(count(first.anypoint, 'GET', /\/exchange\/api\/v2\/organizations\/[^/]+\/applications\?/)).toBe(cfg.anypoint.clientApplications.length);

    await (await stack.worker()).runUntil(async () => {
      const { progress } = await (await stack.start(cfg)).result();
      expect(progress.phase).toBe('completed');
      expect(progress.steps.filter((s) => s.outcome && s.outcome !== 'unchanged').map((s) => s.key)).toEqual([]);
    });
    const rerun = await calls();
    // Tokens, introspection and the sign-in proof's primary authentication are not configuration.
    const configurationWrites = [...rerun.okta, ...rerun.anypoint].filter((e) => e.method !== 'GET' && !/\/v1\/(token|introspect)$|\/oauth2\/token$|^\/api\/v1\/authn$/.test(e.url.split('?')[0]));
    expect(configurationWrites.map((e) => `${e.method} ${e.url}`)).toEqual([]);
    for (const group of cfg.okta.groups) expect([group.name, count(rerun.okta, 'GET', new RegExp(`/api/v1/groups\\?q=${group.name}&`))]).toEqual([group.name, 1]);
    expect(count(rerun.okta, 'GET', /\/api\/v1\/authorizationServers\/[^/]+\/scopes/)).toBe(1);
    expect(count(rerun.okta, 'GET', /\/api\/v1\/apps\?q=/)).toBe(2);
  }, 120_000);
});
