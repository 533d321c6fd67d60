import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { OktaClient } from '../../src/clients/okta';
import { oktaTenant, type TenantConfig } from '../../src/config/tenant';
import { readRecord, rotate } from '../../src/cli/lifecycle';
import { isConfigurationWrite } from '../../src/sandbox/core';
import { onboardTenant } from '../../src/workflows';
import { onboardingWorkflowIdFor, rotationWorkflowIdFor } from '../../src/workflows/ids';
import type { RotationRecordedEvent } from '../../src/workflows/tenant-record';
import { secretsOf, type SandboxState } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * Rotation of the two credentials the client provider holds, on the sandboxes and a real Temporal
 * server, while a consumer keeps calling the gateway with fresh tokens (each one introspected).
 */
describe('rotating the client provider credentials on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  const secretsDir = mkdtempSync(join(tmpdir(), 'rotation-'));
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
  beforeEach(async () => {
    await stack.okta.reset();
    await stack.anypoint.reset();
  });

  const tenantOf = () =>
    // Without consumer access: no watcher reading Anypoint while the test counts Anypoint's requests.
    stack.tenant((cfg) => ({ ...cfg, tenant: { ...cfg.tenant, id: uniqueId('rot').toLowerCase().replace(/[^a-z0-9-]/g, '-') }, assignment: { mode: 'auto' }, access: undefined }));

  /** The tenant file pointed at another token, as an operator edits it: a file reference the worker reads. */
  function pointedAt(cfg: TenantConfig, token: string): TenantConfig {
    const file = join(secretsDir, `${uniqueId('token')}.txt`);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const okta = oktaTenant(cfg);
    return { ...okta, okta: { ...okta.okta, apiToken: { file } } };
  }

  async function onboard(cfg: TenantConfig): Promise<void> {
    const handle = await stack.client.workflow.start(onboardTenant, { taskQueue: stack.taskQueue, workflowId: onboardingWorkflowIdFor(cfg.tenant.id), args: [{ tenant: cfg }] });
    expect((await handle.result()).progress.phase).toBe('completed');
  }

  /** A consumer calling the gateway in a loop, each time with a new token, so every call is introspected. */
  function consumer(cfg: TenantConfig) {
    const statuses: number[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const state = await stack.state();
        const app = state.anypoint.applications.find((a) => a.name === cfg.verification.clientApplication)!;
        const tokenUrl = state.anypoint.clientProviders[0].urls.token;
        const token = await okta.requestClientCredentialsToken({ tokenUrl, clientId: String(app.clientId), clientSecret: String(app.clientSecret), scopes: cfg.verification.tokenScopes });
        const res = await request(`${cfg.verification.gatewayUrl}/planets`, { headers: { authorization: `Bearer ${token.accessToken}` } });
        await res.body.dump();
        statuses.push(res.statusCode);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return {
      statuses,
      stop: async () => {
        running = false;
        await loop;
        return statuses;
      },
    };
  }

  it('rotates the Okta API token and the introspection secret while the gateway answers 200 throughout', async () => {
    const cfg = tenantOf();
    const seen: SandboxState[] = [];
    await (await stack.worker()).runUntil(async () => {
      await onboard(cfg);
      const before = await stack.state();
      seen.push(before);
      const oldToken = before.okta.apiTokens[0];
      const introspectionApp = Object.values(before.okta.apps).find((a) => a.label === cfg.okta.introspectionClient.label)!;
      const [oldSecret] = introspectionApp.secrets;
      const gateway = consumer(cfg);

      // (a) The operator creates a token in the Okta console and points the tenant file at it.
      const fresh = await stack.okta.post<{ id: string; token: string }>('/okta/api-tokens', { name: 'rotated' });
      const rotatedCfg = pointedAt(cfg, fresh.token);
      const tokenRotation = await rotate(stack.client, stack.taskQueue, rotatedCfg, 'okta-token', 'ada');
      expect(tokenRotation.error).toBeUndefined();
      expect(tokenRotation.phase).toBe('completed');
      expect(tokenRotation.steps.filter((s) => s.state !== 'done')).toEqual([]);
      const afterToken = await stack.state();
      seen.push(afterToken);
      expect(afterToken.anypoint.clientProviders[0].registrationAuthorization).toBe(`SSWS ${fresh.token}`);
      // The throw-away registration is gone from Anypoint and from Okta.
      expect(afterToken.anypoint.applications.map((a) => a.name)).toEqual(before.anypoint.applications.map((a) => a.name));
      expect(Object.keys(afterToken.okta.apps).sort()).toEqual(Object.keys(before.okta.apps).sort());
      const registrations = (await stack.okta.requests()).entries.filter((e) => e.method === 'POST' && e.url.startsWith('/oauth2/v1/clients'));
      expect(registrations.length).toBe(cfg.anypoint.clientApplications.length + 1); // the onboarding's applications, then the rotation's check

      // The old token can now be revoked (as Okta does after 30 unused days): registration still works.
      await request(`${stack.sandboxes.okta.url}/__sandbox/okta/api-tokens/${oldToken.id}`, { method: 'DELETE' }).then((r) => r.body.dump());

      // (b) The introspection secret, with no downtime.
      const secretRotation = await rotate(stack.client, stack.taskQueue, rotatedCfg, 'introspection-secret', 'ada');
      expect(secretRotation.error).toBeUndefined();
      expect(secretRotation.phase).toBe('completed');
      expect(secretRotation.retiredSecretId).toBe(oldSecret.id);
      const after = await stack.state();
      seen.push(after);
      const secrets = Object.values(after.okta.apps).find((a) => a.id === introspectionApp.id)!.secrets;
      expect(secrets.map((s) => [s.id, s.status])).toEqual([[secretRotation.newSecretId, 'ACTIVE']]);
      expect(after.anypoint.clientProviders[0].primaryClient).toEqual({ id: introspectionApp.id, secret: secrets[0].secret });

      const statuses = await gateway.stop();
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);

      // The tenant record keeps both rotations: what, who, outcome, ids of the secrets.
      const record = (await readRecord(stack.client, cfg.tenant.id))!;
      const rotations = record.events.filter((e): e is RotationRecordedEvent => e.type === 'rotation').map((e) => e.rotation);
      expect(rotations.map((r) => [r.credential, r.outcome, r.by])).toEqual([
        ['okta-token', 'completed', 'ada'],
        ['introspection-secret', 'completed', 'ada'],
      ]);
      expect(rotations[1]).toMatchObject({ retiredSecretId: oldSecret.id, newSecretId: secretRotation.newSecretId });

      // No secret, old or new, in the rotations' history, even decoded.
      const id = rotationWorkflowIdFor(cfg.tenant.id);
      const histories = (await Promise.all([tokenRotation, secretRotation].map((r) => decodedHistoryOf(id, r.runId)))).join('\n');
      expect(histories).toContain('rotation.switchSecret'); // the decoding did read the payloads
      for (const secret of new Set(seen.flatMap(secretsOf))) expect(histories).not.toContain(secret);
      expect(histories).not.toMatch(/SSWS [A-Za-z0-9]{8,}/);
    });
  });

  /** One run's history, decoded. */
  async function decodedHistoryOf(workflowId: string, runId: string): Promise<string> {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const payloads: Payload[] = [];
    const collect = (value: unknown): void => {
      if (!value || typeof value !== 'object') return;
      if ('metadata' in value && 'data' in value && (value as Payload).data instanceof Uint8Array) payloads.push(value as Payload);
      else Object.values(value).forEach(collect);
    };
    collect(history);
    const decoded = await stack.dataConverter.payloadCodecs![0].decode(payloads);
    return JSON.stringify(history) + decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
  }

  it('a rotation to a token that does not work is refused before any write, and recorded', async () => {
    const cfg = tenantOf();
    await (await stack.worker()).runUntil(async () => {
      await onboard(cfg);
      const [oktaSeq, anypointSeq] = [(await stack.okta.requests()).total, (await stack.anypoint.requests()).total];
      const bogus = `00${'x'.repeat(40)}`;
      const outcome = await rotate(stack.client, stack.taskQueue, pointedAt(cfg, bogus), 'okta-token', 'ada');
      expect(outcome.phase).toBe('refused');
      expect(outcome.error).toMatch(/okta\.apiToken\) does not work: Okta answered 401.*Nothing was changed\. Fix:/);
      expect(outcome.error).not.toContain(bogus);
      const requests = [...(await stack.okta.requests(oktaSeq)).entries, ...(await stack.anypoint.requests(anypointSeq)).entries];
      expect(requests.filter(isConfigurationWrite).map((e) => `${e.method} ${e.url}`)).toEqual([]);
      expect((await stack.anypoint.requests(anypointSeq)).entries).toEqual([]); // Anypoint was not even asked

      const record = (await readRecord(stack.client, cfg.tenant.id))!;
      expect(record.events.filter((e) => e.type === 'rotation').map((e) => (e as RotationRecordedEvent).rotation.outcome)).toEqual(['refused']);
    });
  });
});
