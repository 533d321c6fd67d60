import type { TenantConfig } from '../config/tenant';
import { conflictOf } from './adopt';
import { anypointFor, oktaFor } from './clients';
import { Checkpoint } from './checkpoint';
import { planOf, toSet } from './converge';
import {
  authorizationServerConvergence,
  endpointsOf,
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
  CLIENT_PROVIDER_LIMIT,
  apiInstanceConvergence,
  assetGroupId,
  clientApplicationConvergence,
  clientProviderConvergence,
  contractConvergence,
  deploymentConvergence,
  identityProviderConvergence,
  instancesUsingProvider,
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
  const found = new Map<string, PlanEntry>();
  const entry = <K extends KindName>(kind: K, item: ItemOf<K>) => {
    const row = CATALOGUE[kind] as ResourceKind<ItemOf<K>>;
    return { key: row.key(item), system: row.system, resource: row.title(cfg, item) };
  };
  // A plan is many reads in a row: each entry found is checkpointed, so a retry resumes after it.
  const checkpoint = new Checkpoint<PlanEntry>('plan');
  const plan = async <K extends KindName>(kind: K, item: ItemOf<K>, c: Parameters<typeof planOf>[3]): Promise<PlanEntry> => {
    const { key, system, resource } = entry(kind, item);
    const read = await checkpoint.step(key, () => planOf(key, system, resource, c));
    const planned = ownedKeys ? conflictOf(cfg, kind, item, read, ownedKeys) : read;
    found.set(planned.key, planned);
    return planned;
  };
  const absent = <K extends KindName>(kind: K, item: ItemOf<K>, desired?: Record<string, unknown>) => {
    const e: PlanEntry = { ...entry(kind, item), action: 'create', ...(desired ? { attributes: toSet(desired) } : {}) };
    found.set(e.key, e);
    return e;
  };
  const each = <T, R>(items: T[], f: (item: T) => Promise<R>) => Promise.all(items.map(f));
  /** Ids of the tenant's groups the plan found, for the comparisons that name them. */
  const groupIds: Record<string, string> = {};

  // The identity provider's side: Okta's resources, or nothing at an RFC 7591 provider (only its endpoints are read).
  let identity: Promise<{ endpoints?: ProviderEndpoints; introspectionClientId?: string; ssoId?: string }>;
  let oktaDone: Promise<unknown> = Promise.resolve();
  if (cfg.okta) {
    const okta = cfg;
    const groups = each(CATALOGUE.group.select(okta), async (name) => {
      const g = await plan('group', name, groupConvergence(okta, name));
      if (g.id) groupIds[name] = g.id;
    });
    // A group the file does not create (Everyone, an existing one) is taken to exist.
    const fileGroups = new Set(CATALOGUE.group.select(okta));
    const groupsExist = (names: string[]) => names.every((g) => !fileGroups.has(g) || groupIds[g] !== undefined);
    const server = plan('authorizationServer', null, authorizationServerConvergence(okta));
    const serverChildren = server.then(({ id }) => {
      // One listing of the server's scopes serves every scope of the file.
      const scopes = id ? once(() => oktaFor(okta).listScopes(id)) : undefined;
      return Promise.all([
        each(CATALOGUE.scope.select(okta), (name) => plan('scope', name, scopeConvergence(okta, id, name, scopes))),
        plan('accessPolicy', null, oktaPolicyConvergence(okta, id)).then(async (policy) => {
          // The rules' desired state names group ids, which a group planned as `create` does not have yet.
          if (!policy.id) {
            absent('policyRule', null, ruleConvergence(okta, id, undefined).desired?.());
            for (const name of CATALOGUE.groupRule.select(okta)) absent('groupRule', name);
            return;
          }
          await groups;
          await plan('policyRule', null, ruleConvergence(okta, id, policy.id, groupIds));
          await each(CATALOGUE.groupRule.select(okta), (name) =>
            groupsExist(okta.okta.accessPolicy.groupRules.find((r) => r.name === name)!.groups)
              ? plan('groupRule', name, groupRuleConvergence(okta, id, policy.id, name, groupIds))
              : Promise.resolve(absent('groupRule', name)),
          );
        }),
      ]);
    });
    const users = groups.then(() =>
      each(CATALOGUE.verificationUser.select(okta), (login) =>
        groupsExist(okta.verification.signIn!.users.find((u) => u.login === login)!.groups) ? plan('verificationUser', login, verificationUserConvergence(okta, login, groupIds)) : Promise.resolve(absent('verificationUser', login)),
      ),
    );
    // Anypoint resources that embed Okta values are compared against the current Okta endpoints.
    const endpoints = server.then(({ id }) =>
      id
        ? oktaFor(okta).getMetadata(id).then(endpointsOf)
        : undefined,
    );
    const introspection = plan('introspectionClient', null, introspectionClientConvergence(okta));
    const sso = Promise.all(CATALOGUE.ssoApp.select(okta).map((item) => plan('ssoApp', item, ssoAppConvergence(okta)))).then(([app]) => app);
    const ssoAssignments = Promise.all([sso, groups]).then(([app]) =>
      each(CATALOGUE.ssoAssignment.select(okta), (group) => plan('ssoAssignment', group, groupAssignmentConvergence(okta, app?.id, group, groupIds[group]))),
    );
    oktaDone = Promise.all([groups, serverChildren, users, ssoAssignments]);
    identity = Promise.all([endpoints, introspection, sso]).then(([e, i, app]) => ({ endpoints: e, introspectionClientId: i.id, ssoId: app?.id }));
  } else {
    const rfc = cfg;
    identity = readProviderEndpoints(rfc).then((endpoints) => ({ endpoints, introspectionClientId: rfc.rfc7591.introspectionClient.clientId }));
  }

  const anypoint = anypointFor(cfg);
  // One listing of the org's client providers serves the look-up by name and the count against the limit.
  const providers = once(() => anypoint.listClientProviders(ctx.orgId));
  const provider = identity.then(async ({ endpoints, introspectionClientId }) => {
    const planned = await plan('clientProvider', null, clientProviderConvergence(cfg, ctx, endpoints, introspectionClientId, providers));
    const p = await unlessSharedByOthers(cfg, ctx, planned);
    found.set(p.key, p);
    if (p.action === 'create') {
      const count = (await providers()).length;
      if (count >= CLIENT_PROVIDER_LIMIT) {
        p.warning = `The organization already has ${count} client providers, Anypoint's limit is ${CLIENT_PROVIDER_LIMIT}: creating "${cfg.anypoint.clientProvider.name}" will be refused. Fix: share an existing provider (adopt: { '${p.key}': '<provider id or name>' }, with the authorization server and introspection client it points at: README, Many APIs on one org), or delete one that is no longer used.`;
      }
    }
    return p;
  });
  const identityProvider = identity.then(({ endpoints, ssoId }) =>
    each(CATALOGUE.identityProvider.select(cfg), (item) => plan('identityProvider', item, identityProviderConvergence(cfg, ctx, endpoints, ssoId))),
  );
  // Planned like any other resource: an asset that was already in Exchange must get no undo.
  const asset = each(CATALOGUE.asset.select(cfg), async (item) => {
    const { assetId, version } = cfg.anypoint.api.asset;
    const id = `${assetGroupId(cfg, ctx)}/${assetId}/${version}`;
    if (await anypoint.getAsset(assetGroupId(cfg, ctx), assetId, version)) found.set(entry('asset', item).key, { ...entry('asset', item), action: 'unchanged', id });
    else {
      const planned = absent('asset', item);
      planned.resource = `${planned.resource}${await ramlSecuritySchemeNote(cfg.anypoint.api.raml!, (await identity).endpoints)}`;
    }
  });
  const clientIds = new Map<string, string | undefined>();
  const api = provider.then((p) => plan('apiInstance', null, apiInstanceConvergence(cfg, ctx, p.id)));
  const onInstance = api.then(({ id }) => {
    const policies = id ? once(() => anypoint.listPolicies(ctx.orgId, ctx.environmentId, id)) : undefined;
    return Promise.all([
      plan('deployment', null, deploymentConvergence(cfg, ctx, id)),
      each(CATALOGUE.apiPolicy.select(cfg), (index) => plan('apiPolicy', index, policyConvergence(cfg, ctx, id, index, policies))),
      each(CATALOGUE.application.select(cfg), async (name) => {
        const app = await plan('application', name, clientApplicationConvergence(cfg, ctx, id, name));
        clientIds.set(name, app.facts?.clientId);
        await plan('contract', name, contractConvergence(cfg, ctx, id, app.id));
      }),
    ]);
  });
  await Promise.all([oktaDone, provider, identityProvider, asset, api, onInstance]);
  // Assignments of the registered clients need the applications' client ids: planned last.
  if (cfg.okta) {
    const okta = cfg;
    await each(CATALOGUE.clientAssignment.select(okta), (item) =>
      plan('clientAssignment', item, groupAssignmentConvergence(okta, clientIds.get(item.application), item.group, groupIds[item.group])),
    );
  }
  return { entries: planOrder(cfg).flatMap((key) => found.get(key) ?? []) };
}

/**
 * A client provider other tenants' API instances use is shared: an update (a different issuer or
 * introspection client) would repoint every one of them, so it is a conflict even when adopted.
 */
async function unlessSharedByOthers(cfg: TenantConfig, ctx: AnypointContext, p: PlanEntry): Promise<PlanEntry> {
  if (p.action !== 'update' || !p.id) return p;
  const own = (u: { environmentId: string; instanceLabel?: string }) => u.environmentId === ctx.environmentId && u.instanceLabel === cfg.anypoint.api.instanceLabel;
  const others = (await instancesUsingProvider(anypointFor(cfg), ctx.orgId, p.id)).filter((u) => !own(u)).map((u) => u.text);
  if (others.length === 0) return p;
  const { previous: _notWritten, ...rest } = p;
  const shown = others.length > 3 ? `${others.slice(0, 3).join(', ')} and ${others.length - 3} more` : others.join(', ');
  return {
    ...rest,
    action: 'conflict',
    reason: `it is shared by ${shown}, and changing it would change it for all of them`,
    fix: `adopt the authorization server and introspection client it points at (okta.authorizationServer.adopt, adopt: { '${CATALOGUE.introspectionClient.key(null)}': … }), or give this tenant a client provider of its own`,
  };
}

/** The step keys in the order the plan has always listed them (the dry run prints them so). */
function planOrder(cfg: TenantConfig): string[] {
  const keys = <K extends KindName>(kind: K) => (CATALOGUE[kind] as ResourceKind<ItemOf<K>>).select(cfg).map((item) => (CATALOGUE[kind] as ResourceKind<ItemOf<K>>).key(item));
  const before: KindName[] = ['authorizationServer', 'scope', 'group', 'accessPolicy', 'policyRule', 'groupRule', 'verificationUser', 'introspectionClient', 'ssoApp', 'ssoAssignment', 'clientProvider', 'identityProvider', 'asset', 'apiInstance', 'deployment', 'apiPolicy'];
  const applications = CATALOGUE.application.select(cfg).flatMap((name) => [CATALOGUE.application.key(name), CATALOGUE.contract.key(name)]);
  return [...before.flatMap(keys), ...applications, ...keys('clientAssignment')];
}

/** A read made at most once, however many branches ask for it. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
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
