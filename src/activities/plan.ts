import type { TenantConfig } from '../config/tenant';
import { conflictOf } from './adopt';
import { anypointFor, oktaFor } from './clients';
import { Checkpoint } from './checkpoint';
import { planOf, toSet } from './converge';
import {
  authorizationServerConvergence,
  groupConvergence,
  introspectionClientConvergence,
  policyConvergence as oktaPolicyConvergence,
  ruleConvergence,
  groupRuleConvergence,
  verificationUserConvergence,
  groupAssignmentConvergence,
  scopeConvergence,
  ssoAppConvergence,
} from './okta';
import {
  apiInstanceConvergence,
  assetGroupId,
  clientApplicationConvergence,
  clientProviderConvergence,
  contractConvergence,
  deploymentConvergence,
  identityProviderConvergence,
  policyConvergence,
} from './anypoint';
import { readProviderEndpoints } from './rfc7591';
import { withAuthorizationServerUrls } from './raml';
import { readFile } from 'node:fs/promises';
import type { AnypointContext, Plan, PlanEntry, ProviderEndpoints } from './types';
import { CATALOGUE, type ItemOf, type KindName, type ResourceKind } from '../workflows/catalogue';

/**
 * What the run would do, read before any write: the dry run prints it, and the onboarding keeps it
 * in history so that compensation can tell what this run created from what was there before.
 * Keys and titles come from the step catalogue and the comparisons from the same convergence
 * definitions as the steps, so plan and execution cannot disagree. Children of a resource that
 * does not exist yet are planned as `create` without a lookup.
 *
 * `owned` lists the step keys of what the tenant's runs created (from the tenant record): a planned
 * update of anything else that the file does not adopt is a `conflict`. Runs started before
 * adoption existed pass nothing and plan as they did.
 */
export async function planOnboarding(cfg: TenantConfig, ctx: AnypointContext, owned?: string[]): Promise<Plan> {
  const ownedKeys = owned && new Set(owned);
  const entries: PlanEntry[] = [];
  const entry = <K extends KindName>(kind: K, item: ItemOf<K>) => {
    const row = CATALOGUE[kind] as ResourceKind<ItemOf<K>>;
    return { key: row.key(item), system: row.system, resource: row.title(cfg, item) };
  };
  // A plan is many reads in a row: each entry found is checkpointed, so a retry resumes after it.
  const checkpoint = new Checkpoint<PlanEntry>('plan');
  const plan = async <K extends KindName>(kind: K, item: ItemOf<K>, c: Parameters<typeof planOf>[3]): Promise<PlanEntry> => {
    const { key, system, resource } = entry(kind, item);
    const found = await checkpoint.step(key, () => planOf(key, system, resource, c));
    const planned = ownedKeys ? conflictOf(cfg, kind, item, found, ownedKeys) : found;
    entries.push(planned);
    return planned;
  };
  const absent = <K extends KindName>(kind: K, item: ItemOf<K>, desired?: Record<string, unknown>) => entries.push({ ...entry(kind, item), action: 'create', ...(desired ? { attributes: toSet(desired) } : {}) });

  // The identity provider's side: Okta's resources, or nothing at an RFC 7591 provider (only its endpoints are read).
  let endpoints: ProviderEndpoints | undefined;
  let introspectionClientId: string | undefined;
  let sso: PlanEntry | undefined;
  if (cfg.okta) {
    const server = await plan('authorizationServer', null, authorizationServerConvergence(cfg));
    for (const name of CATALOGUE.scope.select(cfg)) await plan('scope', name, scopeConvergence(cfg, server.id, name));
    const groupExists = new Map<string, boolean>([['EVERYONE', true]]);
    for (const name of CATALOGUE.group.select(cfg)) groupExists.set(name, (await plan('group', name, groupConvergence(cfg, name))).id !== undefined);
    const policy = await plan('accessPolicy', null, oktaPolicyConvergence(cfg, server.id));
    // The rule's desired state names group ids, which a group planned as `create` does not have yet.
    if (policy.id) await plan('policyRule', null, ruleConvergence(cfg, server.id, policy.id));
    else absent('policyRule', null, ruleConvergence(cfg, server.id, undefined).desired?.());
    for (const name of CATALOGUE.groupRule.select(cfg)) {
      const groups = cfg.okta.accessPolicy.groupRules.find((r) => r.name === name)!.groups;
      if (policy.id && groups.every((g) => groupExists.get(g) ?? true)) await plan('groupRule', name, groupRuleConvergence(cfg, server.id, policy.id, name));
      else absent('groupRule', name);
    }
    for (const login of CATALOGUE.verificationUser.select(cfg)) {
      const groups = cfg.verification.signIn!.users.find((u) => u.login === login)!.groups;
      if (groups.every((g) => groupExists.get(g) ?? true)) await plan('verificationUser', login, verificationUserConvergence(cfg, login));
      else absent('verificationUser', login);
    }
    const introspection = await plan('introspectionClient', null, introspectionClientConvergence(cfg));
    introspectionClientId = introspection.id;
    for (const item of CATALOGUE.ssoApp.select(cfg)) sso = await plan('ssoApp', item, ssoAppConvergence(cfg));
    for (const group of CATALOGUE.ssoAssignment.select(cfg)) await plan('ssoAssignment', group, groupAssignmentConvergence(cfg, sso?.id, group));

    // Anypoint resources that embed Okta values are compared against the current Okta endpoints.
    endpoints = server.id ? await oktaFor(cfg).getMetadata(server.id).then((m) => ({
      issuer: m.issuer, authorize: m.authorization_endpoint, token: m.token_endpoint, introspect: m.introspection_endpoint,
      register: m.registration_endpoint, userinfo: m.userinfo_endpoint, keys: m.jwks_uri,
    })) : undefined;
  } else {
    endpoints = await readProviderEndpoints(cfg);
    introspectionClientId = cfg.rfc7591.introspectionClient.clientId;
  }
  const provider = await plan('clientProvider', null, clientProviderConvergence(cfg, ctx, endpoints, introspectionClientId));
  for (const item of CATALOGUE.identityProvider.select(cfg)) await plan('identityProvider', item, identityProviderConvergence(cfg, ctx, endpoints, sso?.id));
  // Planned like any other resource: an asset that was already in Exchange must get no undo.
  for (const item of CATALOGUE.asset.select(cfg)) {
    const { assetId, version } = cfg.anypoint.api.asset;
    const id = `${assetGroupId(cfg, ctx)}/${assetId}/${version}`;
    if (await anypointFor(cfg).getAsset(assetGroupId(cfg, ctx), assetId, version)) entries.push({ ...entry('asset', item), action: 'unchanged', id });
    else entries.push({ ...entry('asset', item), resource: `${entry('asset', item).resource}${await ramlSecuritySchemeNote(cfg.anypoint.api.raml!, endpoints)}`, action: 'create' });
  }
  const api = await plan('apiInstance', null, apiInstanceConvergence(cfg, ctx, provider.id));
  await plan('deployment', null, deploymentConvergence(cfg, ctx, api.id));
  for (const index of CATALOGUE.apiPolicy.select(cfg)) await plan('apiPolicy', index, policyConvergence(cfg, ctx, api.id, index));
  const clientIds = new Map<string, string | undefined>();
  for (const name of CATALOGUE.application.select(cfg)) {
    const app = await plan('application', name, clientApplicationConvergence(cfg, ctx, api.id, name));
    clientIds.set(name, app.facts?.clientId);
    await plan('contract', name, contractConvergence(cfg, ctx, api.id, app.id));
  }
  if (cfg.okta) {
    for (const item of CATALOGUE.clientAssignment.select(cfg)) {
      await plan('clientAssignment', item, groupAssignmentConvergence(cfg, clientIds.get(item.application), item.group));
    }
  }
  return { entries };
}

/** What publishing will write into the RAML (seed 002's hand edit of its security scheme), for the plan. */
async function ramlSecuritySchemeNote(file: string, endpoints: ProviderEndpoints | undefined): Promise<string> {
  // Until the authorization server exists its URLs are unknown: the scheme is named, the URLs come at publication.
  const known = endpoints ?? { authorize: '', token: '' };
  const { schemes } = withAuthorizationServerUrls(await readFile(file, 'utf8'), known);
  if (schemes.length === 0) return ' (the RAML has no OAuth 2.0 security scheme to point at the authorization server)';
  if (!endpoints) return `, security scheme ${schemes.join(', ')}: authorizationUri and accessTokenUri from the authorization server's metadata`;
  return `, security scheme ${schemes.join(', ')} pointed at the authorization server: authorizationUri ${endpoints.authorize}, accessTokenUri ${endpoints.token}`;
}
