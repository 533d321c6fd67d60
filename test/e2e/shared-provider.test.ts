import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { confirmOffboarding, readRecord, startOffboarding } from '../../src/cli/lifecycle';
import { planDryRun } from '../../src/cli/operations';
import { planView, renderPlan } from '../../src/cli/plan-view';
import { renderOffboarding } from '../../src/cli/render';
import type { OktaTenantConfig } from '../../src/config/tenant';
import { AnypointClient } from '../../src/clients/anypoint';
import { numberedTenant, sharingTenant } from '../../src/sandbox/tenant';
import type { OffboardingProgress } from '../../src/workflows/offboarding';
import { inventoryOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal } from '../support/temporal';

/*
 * Many APIs on one org share one authorization server, introspection client and client provider
 * (Anypoint takes 25 client providers per org): the first tenant creates them, the others adopt them
 * by name. Onboarding them at once converges the shared resources without writing to them, each
 * tenant's policy goes on the shared server beside the others, and offboarding any one of them,
 * the creator included, never removes what the others still use.
 */
describe('tenants sharing one client provider', () => {
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

  const auto = (c: OktaTenantConfig): OktaTenantConfig => ({ ...c, tenant: { ...c.tenant, id: 'shared-owner' }, assignment: { mode: 'auto' } });

  async function offboard(cfg: OktaTenantConfig): Promise<OffboardingProgress> {
    await startOffboarding(stack.client, stack.taskQueue, cfg);
    return confirmOffboarding(stack.client, cfg.tenant.id, 'ada');
  }

  it('onboard the creator, then two sharers at once; one that would repoint the shared provider is refused; at 25 providers a new one is refused with the way to share, an adopter goes on; offboarding the creator keeps what the sharers use, the last offboarding removes it', async () => {
    const owner = stack.tenant(auto);
    const [first, second] = [1, 2].map((n) => sharingTenant(owner, n));
    // The second also names the creator's own scope "silver": on a shared server that is the creator's scope, used by both.
    const silver = owner.okta.scopes.find((s) => s.name === 'silver')!;
    const sharers = [
      first,
      { ...second, okta: { ...second.okta, scopes: [...second.okta.scopes, silver], accessPolicy: { ...second.okta.accessPolicy, rule: { ...second.okta.accessPolicy.rule, scopes: [...second.okta.accessPolicy.rule.scopes, 'silver'] } } } },
    ];
    const providers = async () => (await stack.state()).anypoint.clientProviders;
    await (await stack.worker()).runUntil(async () => {
      expect((await (await stack.start(owner)).result()).progress.phase).toBe('completed');
      const shared = (await providers()).map((p) => p.providerId);
      expect(shared).toHaveLength(1);

      const runs = await Promise.all(sharers.map(async (cfg) => (await (await stack.start(cfg)).result()).progress));
      for (const progress of runs) {
        expect(progress.phase).toBe('completed');
        const outcome = (key: string) => progress.steps.find((s) => s.key === key)?.outcome;
        // Adopted and equal to the file: no write to what the others use.
        expect([outcome('okta.authorizationServer'), outcome('okta.introspectionClient'), outcome('anypoint.clientProvider')]).toEqual(['unchanged', 'unchanged', 'unchanged']);
        expect(outcome('okta.accessPolicy')).toBe('created');
      }
      expect((await providers()).map((p) => p.providerId)).toEqual(shared);
      const instances = (await stack.state()).anypoint.apis;
      expect(instances.map((a) => a.providerId)).toEqual(instances.map(() => shared[0]));
      // The adopted resources are not the sharers' to remove.
      for (const cfg of sharers) {
        const keys = (await readRecord(stack.client, cfg.tenant.id))!.resources.map((r) => r.target.key);
        expect(keys).not.toEqual(expect.arrayContaining(['okta.authorizationServer']));
        expect(keys.filter((k) => ['okta.introspectionClient', 'anypoint.clientProvider'].includes(k))).toEqual([]);
      }

      // A tenant that adopts the provider but would point it at a server of its own may not repoint the others.
      const apart = sharingTenant(owner, 3);
      const ownServer = { ...apart, okta: { ...apart.okta, authorizationServer: { create: { name: 'solar-system-3', description: '', audience: 'api://solar-system-3' } } } };
      const before = inventoryOf(await stack.state());
      const plan = await planDryRun(stack.client, stack.taskQueue, ownServer);
      const provider = plan.entries.find((e) => e.key === 'anypoint.clientProvider')!;
      expect(provider).toMatchObject({ action: 'conflict', id: shared[0], changes: expect.arrayContaining(['issuer']) });
      for (const label of ['solar-system', 'solar-system-1', 'solar-system-2']) expect(provider.reason).toContain(`API instance "${label}"`);
      expect(renderPlan(planView(ownServer, plan))).toMatch(/1 in CONFLICT/);
      const refused = await (await stack.start(ownServer)).result().catch((err: Error) => err);
      expect(String((refused as { cause?: Error }).cause?.message)).toMatch(/Refused before any write: Anypoint client provider "Okta DCR" .* shared by/);
      expect(inventoryOf(await stack.state())).toEqual(before);

      // At Anypoint's limit of 25 providers, a tenant with a provider of its own is refused with the way to share,
      // and one adopting the shared provider (here by id) goes on.
      const anypoint = new AnypointClient({ baseUrl: stack.sandboxes.anypoint.url, clientId: process.env.ANYPOINT_CLIENT_ID!, clientSecret: process.env.ANYPOINT_CLIENT_SECRET! });
      const { orgId } = await anypoint.me();
      const template = (await anypoint.getClientProvider(orgId, shared[0]))!;
      const oidc = template.oidc_dynamic_client_provider as { issuer: string; urls: Record<string, string>; client: { urls: { register: string } } };
      const fillers = [];
      for (let i = 0; i < 24; i++) {
        fillers.push(
          await anypoint.createClientProvider(orgId, {
            name: `Other team ${i}`,
            type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
            oidc_dynamic_client_provider: { issuer: oidc.issuer, urls: oidc.urls, client: { urls: oidc.client.urls, registration: { authorization: 'SSWS other-team' } }, primary_client: { id: 'other', secret: 'other' } },
          }),
        );
      }
      const ownProvider = numberedTenant(owner, 4);
      await expect(planDryRun(stack.client, stack.taskQueue, ownProvider)).rejects.toThrow(
        /already has 25 external client providers.*Fix: share one of them .*adopt: \{ 'anypoint.clientProvider': '<its name or id>' \}, with the authorization server and introspection client it points at \(README, Many APIs on one org\)/,
      );
      const byId = sharingTenant(owner, 4);
      const adoptingById = { ...byId, anypoint: { ...byId.anypoint, clientProvider: { name: 'Solar system APIs' } }, adopt: { ...byId.adopt, 'anypoint.clientProvider': shared[0] } };
      expect((await planDryRun(stack.client, stack.taskQueue, adoptingById)).entries.find((e) => e.key === 'anypoint.clientProvider')).toMatchObject({ action: 'unchanged', id: shared[0] });
      for (const filler of fillers) await anypoint.deleteClientProvider(orgId, filler.providerId ?? filler.provider_id);
      await anypoint.close();

      // The creator leaves first: its own API goes, what the sharers use stays, and says why.
      const ownerGone = await offboard(owner);
      expect(ownerGone.phase).toBe('completed');
      expect(ownerGone.keptInUse?.map((k) => k.key).sort()).toEqual(['anypoint.clientProvider', 'okta.authorizationServer', 'okta.introspectionClient', 'okta.scope:silver']);
      expect(ownerGone.keptInUse?.find((k) => k.key === 'okta.scope:silver')?.usedBy).toMatch(/rule "Subscribers" of access policy "Solar system access-2"/);
      expect(renderOffboarding(ownerGone)).toMatch(/= Kept, still in use by other tenants: Anypoint client provider "Okta DCR" .*API instance "solar-system-1"/);
      expect((await providers()).map((p) => p.providerId)).toEqual(shared);
      expect((await readRecord(stack.client, owner.tenant.id))!.resources.map((r) => r.target.key).sort()).toEqual(['anypoint.clientProvider', 'okta.authorizationServer', 'okta.introspectionClient', 'okta.scope:silver']);

      // A sharer still proves end to end through the shared provider (a re-run: nothing to write).
      const again = (await (await stack.start(sharers[0])).result()).progress;
      expect(again.proof?.passed).toBe(true);
      expect(again.steps.filter((s) => s.outcome === 'created' || s.outcome === 'updated').map((s) => s.key)).toEqual([]);

      // Sharers leave; then the creator's offboarding, run again, removes what nobody uses any more.
      for (const cfg of sharers) expect((await offboard(cfg)).phase).toBe('completed');
      expect(await providers()).toHaveLength(1);
      const last = await offboard(owner);
      expect(last.keptInUse ?? []).toEqual([]);
      expect(last.phase).toBe('completed');
      expect(await providers()).toHaveLength(0);
      const okta = (await stack.state()).okta;
      expect(Object.values(okta.authServers).map((s) => s.name)).not.toContain('solar-system');
    });
  }, 10 * 60_000);
});
