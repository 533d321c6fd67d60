import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { probeGateway, proveIntegration } from '../../src/activities/proof';
import type { ProofResult, ProviderEndpoints } from '../../src/activities/types';
import { loadTenantFile, type TenantConfig } from '../../src/config/tenant';
import { EXAMPLE_TENANT } from '../support/onboarding-stack';

/*
 * The proof makes some forty requests through the gateway and Okta. Under sustained faults, one
 * of them failing used to throw the whole proof away (or, worse, end the run: the gateway answers
 * 401 when its introspection cannot reach Okta, and the proof took that for a refused token).
 */

/** A gateway stand-in that answers each request with the next status of `answers` (the last one repeats). */
async function gatewayAnswering(answers: number[]): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((_req, res) => {
    res.statusCode = answers[Math.min(calls++, answers.length - 1)];
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const withGateway = (cfg: TenantConfig, gatewayUrl: string): TenantConfig => ({ ...cfg, verification: { ...cfg.verification, gatewayUrl } });

describe('the proof under faults', () => {
  let cfg: TenantConfig;
  beforeAll(async () => {
    cfg = await loadTenantFile(EXAMPLE_TENANT);
  });

  it.each([
    ['a 401 (its introspection could not reach Okta)', 401],
    ['a 503', 503],
    ['a 429', 429],
  ])('a probe with a token that the gateway first answers with %s is asked again, and the policy\'s answer counts', async (_what, first) => {
    const gateway = await gatewayAnswering([first, 200]);
    try {
      const probe = await probeGateway(withGateway(cfg, gateway.url), { method: 'GET', path: '/planets' }, 200, 'a-token');
      expect(probe).toMatchObject({ expected: 200, actual: 200, passed: true });
      expect(gateway.calls()).toBe(2);
    } finally {
      await gateway.close();
    }
  });

  it('a 401 that persists is the verdict, after a bounded number of tries; a 401 without a token is one at once', async () => {
    const gateway = await gatewayAnswering([401]);
    try {
      await expect(probeGateway(withGateway(cfg, gateway.url), { method: 'GET', path: '/planets' }, 200, 'a-token')).resolves.toMatchObject({ actual: 401, passed: false });
      expect(gateway.calls()).toBe(4);
      await expect(probeGateway(withGateway(cfg, gateway.url), { method: 'GET', path: '/planets' }, 401)).resolves.toMatchObject({ actual: 401, passed: true });
      expect(gateway.calls()).toBe(5);
      // A 403 where 200 was expected is the policy's verdict: not asked again.
      const refusing = await gatewayAnswering([403]);
      await expect(probeGateway(withGateway(cfg, refusing.url), { method: 'GET', path: '/planets' }, 200, 'a-token')).resolves.toMatchObject({ actual: 403, passed: false });
      expect(refusing.calls()).toBe(1);
      await refusing.close();
    } finally {
      await gateway.close();
    }
  });

  it('a retried proof resumes from its checkpoint: the parts that passed are not proven again (no request at all when all did)', async () => {
    const v = cfg.verification;
    const probe = (expected: number) => ({ method: 'GET', path: '/planets', expected, actual: expected, passed: true });
    const client = (name: string): ProofResult => ({ clientApplication: name, tokenScopes: ['silver'], introspectionActive: true, introspectedScope: 'silver', withoutToken: probe(401), probes: [probe(200)], passed: true });
    const flows = Object.fromEntries(
      (v.signIn?.users ?? []).flatMap((u) => (['authorization_code+pkce', 'implicit'] as const).map((flow) => [`signIn:${u.login}:${flow}`, { flow, tokenScopes: [], probes: [], passed: true }])),
    );
    const details = {
      proof: {
        withoutToken: probe(401),
        [`client:${v.clientApplication}`]: client(v.clientApplication),
        ...Object.fromEntries((v.otherClients ?? []).map((o) => [`client:${o.clientApplication}`, client(o.clientApplication)])),
        ...flows,
      },
    };
    // Every URL points at a gateway that counts: any request the proof made would show.
    const gateway = await gatewayAnswering([500]);
    try {
      const unreachable = `${gateway.url}/nowhere`;
      const endpoints: ProviderEndpoints = { issuer: unreachable, authorize: unreachable, token: unreachable, introspect: unreachable, register: unreachable, userinfo: unreachable, keys: unreachable };
      const resumed: ProofResult = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details }).run(proveIntegration, withGateway(cfg, gateway.url), { orgId: 'org', environmentId: 'env' } as never, endpoints, 'api');
      expect(resumed.passed).toBe(true);
      expect(resumed.otherClients?.map((o) => o.clientApplication)).toEqual((v.otherClients ?? []).map((o) => o.clientApplication));
      expect((resumed.users ?? []).flatMap((u) => u.flows)).toHaveLength(Object.keys(flows).length);
      expect(gateway.calls()).toBe(0);
    } finally {
      await gateway.close();
    }
  });
});
