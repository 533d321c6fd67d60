import { ApplicationFailure } from '@temporalio/activity';
import type { PlanEntry, RegisteredClient, StepResult, UndoTarget } from '../../src/activities/types';
import type { OktaTenantConfig, TenantConfig } from '../../src/config/tenant';
import * as admission from '../../src/activities/admission';
import * as tenantRecord from '../../src/activities/record';

/**
 * In-memory Okta and Anypoint for workflow tests: the workflow runs on a real Temporal server and
 * these activities keep a resource map the tests inspect. Secrets live only here, as in production
 * they live only in Okta and Anypoint, so raw history can be searched for them.
 */
export const SECRETS = { clientSecret: 'fake-client-secret-7f3a', accessToken: 'fake-access-token-91bd' };

export class FakeSystems {
  readonly resources = new Map<string, string>();
  readonly writes: string[] = [];
  readonly assignments = new Set<string>();
  /** Tenant ids whose drift schedule the runs wrote (the schedule itself is Temporal's, tested in e2e). */
  readonly driftSchedules: string[] = [];
  /** Activity name → error to throw (non-retryable) the next time it runs. */
  readonly failOn = new Map<string, string>();
  /** Completed onboardings of a tenant with consumer access that started (or re-configured) its watcher. */
  accessWatchStarts = 0;
  private seq = 0;

  preExisting(key: string, id = `pre-${key}`): void {
    this.resources.set(key, id);
  }

  private converge(key: string, facts?: (id: string) => Record<string, string>): StepResult {
    const existing = this.resources.get(key);
    if (existing) return { outcome: 'unchanged', id: existing, facts: facts?.(existing) };
    const id = `id-${++this.seq}`;
    this.resources.set(key, id);
    this.writes.push(`create ${key}`);
    return { outcome: 'created', id, facts: facts?.(id) };
  }

  private remove(key: string): void {
    if (this.resources.delete(key)) this.writes.push(`delete ${key}`);
  }

  private maybeFail(name: string): void {
    const message = this.failOn.get(name);
    if (message) throw ApplicationFailure.create({ type: 'anypoint.validation', nonRetryable: true, message });
  }

  activities() {
    const ensure = (name: string, key: (...args: any[]) => string, facts?: (id: string, ...args: any[]) => Record<string, string>) =>
      async (...args: any[]) => {
        this.maybeFail(name);
        return this.converge(key(...args), facts && ((id) => facts(id, ...args)));
      };
    const undo = (key: (t: UndoTarget) => string) => async (...args: any[]) => this.remove(key(args[args.length - 1] as UndoTarget));
    const byKey = (t: UndoTarget) => t.key;
    return {
      checkOktaAccess: async () => undefined,
      checkAnypointAccess: async () => ({ orgId: 'org-1', orgDomain: 'solar', environmentId: 'env-1' }),
      planOnboarding: async (cfg: OktaTenantConfig): Promise<{ entries: PlanEntry[] }> => ({
        entries: [
          'okta.authorizationServer',
          ...cfg.okta.scopes.map((s) => `okta.scope:${s.name}`),
          ...cfg.okta.groups.map((g) => `okta.group:${g.name}`),
          'okta.accessPolicy', 'okta.policyRule',
          ...cfg.okta.accessPolicy.groupRules.map((r) => `okta.groupRule:${r.name}`),
          'okta.introspectionClient', 'okta.ssoApp',
          'anypoint.clientProvider', 'anypoint.identityProvider', 'anypoint.apiInstance', 'anypoint.deployment',
          ...cfg.anypoint.api.policies.map((_, i) => `anypoint.policy:${i}`),
          ...cfg.anypoint.clientApplications.map((a) => `anypoint.application:${a.name}`),
        ].map((key) => ({ key, system: key.split('.')[0] as 'okta', resource: key, action: this.resources.has(key) ? 'unchanged' : 'create', id: this.resources.get(key) })),
      }),
      ensureAuthorizationServer: ensure('ensureAuthorizationServer', () => 'okta.authorizationServer'),
      ensureScope: ensure('ensureScope', (_c, _as, name) => `okta.scope:${name}`),
      ensureGroup: ensure('ensureGroup', (_c, name) => `okta.group:${name}`),
      ensureAccessPolicy: ensure('ensureAccessPolicy', () => 'okta.accessPolicy'),
      ensurePolicyRule: ensure('ensurePolicyRule', () => 'okta.policyRule'),
      ensureGroupRule: ensure('ensureGroupRule', (_c, _as, _policy, name) => `okta.groupRule:${name}`),
      ensureIntrospectionClient: ensure('ensureIntrospectionClient', () => 'okta.introspectionClient'),
      ensureSsoApp: ensure('ensureSsoApp', () => 'okta.ssoApp'),
      readOktaEndpoints: async () => ({ issuer: 'https://okta.test/oauth2/as', authorize: 'a', token: 't', introspect: 'i', register: 'r', userinfo: 'u', keys: 'k' }),
      setSsoRedirectUri: async (_c: unknown, appId: string) => ({ outcome: 'updated', id: appId }),
      checkGroupAssignments: async (_c: unknown, clients: RegisteredClient[]) =>
        clients.flatMap((c) => c.groups.filter((g) => !this.assignments.has(`${c.clientId}:${g}`)).map((group) => ({ applicationName: c.applicationName, clientId: c.clientId, group }))),
      assignGroupToClient: async (_c: unknown, clientId: string, group: string) => {
        this.assignments.add(`${clientId}:${group}`);
        return { outcome: 'created', id: group };
      },
      remindApprover: async () => {
        this.writes.push('reminder');
      },
      ensureClientProvider: ensure('ensureClientProvider', () => 'anypoint.clientProvider'),
      ensureIdentityProvider: ensure('ensureIdentityProvider', () => 'anypoint.identityProvider', (id) => ({ redirectUri: `https://anypoint.test/redirect/${id}` })),
      publishApiAsset: ensure('publishApiAsset', () => 'anypoint.asset'),
      ensureApiInstance: ensure('ensureApiInstance', () => 'anypoint.apiInstance'),
      ensureProxyDeployment: ensure('ensureProxyDeployment', () => 'anypoint.deployment'),
      ensureApiPolicy: ensure('ensureApiPolicy', (_c, _x, _api, index) => `anypoint.policy:${index}`),
      ensureClientApplication: async (...args: any[]) => {
        this.maybeFail('ensureClientApplication');
        const name = args[3] as string;
        const result = this.converge(`anypoint.application:${name}`, (id) => ({ clientId: `client-${id}` }));
        // Anypoint registers the client in Okta as a side effect.
        if (result.outcome === 'created') this.resources.set(`okta.client:client-${result.id}`, `client-${result.id}`);
        return result;
      },
      ensureContract: ensure('ensureContract', (_c, _x, _api, appId) => `anypoint.contract:${appId}`),
      proveIntegration: async () => {
        this.maybeFail('proveIntegration');
        const ok = (method: string, path: string, expected: number) => ({ method, path, expected, actual: expected, passed: true });
        return { tokenScopes: ['silver'], introspectionActive: true, introspectedScope: 'silver', withoutToken: ok('GET', '/planets', 401), probes: [ok('GET', '/planets', 200), ok('GET', '/moons', 403)], passed: true };
      },
      deleteAuthorizationServer: undo(byKey),
      deleteScope: undo(byKey),
      deleteGroup: undo(byKey),
      deleteAccessPolicy: undo(byKey),
      deletePolicyRule: undo(byKey),
      deleteOktaApp: undo(byKey),
      deleteOktaClient: undo((t) => `okta.client:${t.id}`),
      unassignGroupFromClient: async (_c: unknown, t: UndoTarget) => {
        this.assignments.delete(`${t.parents?.clientId}:${t.name}`);
      },
      deleteApiAsset: undo(byKey),
      deleteClientProvider: undo(byKey),
      deleteIdentityProvider: undo(byKey),
      deleteApiInstance: undo(byKey),
      deleteProxyDeployment: undo(byKey),
      deleteApiPolicy: undo(byKey),
      deleteClientApplication: async (_c: unknown, _x: unknown, t: UndoTarget) => {
        const id = this.resources.get(t.key);
        this.remove(t.key);
        return { clientId: id ? `client-${id}` : undefined };
      },
      revokeContract: async () => {
        this.writes.push('revoke contract');
      },
      deleteContract: undo((t) => `anypoint.contract:${t.name}`),
      // The tenant record is Temporal itself, which these tests run for real.
      recordTenantEvent: tenantRecord.recordTenantEvent,
      readTenantRecord: tenantRecord.readTenantRecord,
      readOwnedResourceKeys: tenantRecord.readOwnedResourceKeys,
      checkOffboardable: tenantRecord.checkOffboardable,
      // So is the org's admission.
      requestOrgSlot: admission.requestOrgSlot,
      releaseOrgSlot: admission.releaseOrgSlot,
  findClosedRuns: admission.findClosedRuns,
      ensureDriftSchedule: async (cfg: TenantConfig) => {
        this.driftSchedules.push(cfg.tenant.id);
        return { scheduleId: `drift-${cfg.tenant.id}`, created: this.driftSchedules.length === 1 };
      },
      readAnypointContext: async () => ({ orgId: 'org-1', orgDomain: 'solar', environmentId: 'env-1' }),
      startAccessWatch: async () => {
        this.accessWatchStarts++;
      },
      stopAccessWatch: async () => undefined,
    };
  }
}
