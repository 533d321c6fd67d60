import { ApplicationFailure } from '@temporalio/activity';
import type { OktaTenantConfig } from '../config/tenant';
import { CATALOGUE, managesVerificationUsers, PENDING_REDIRECT_URI, redirectUrisConverged } from '../workflows/catalogue';
import { lookup, tolerated } from './adopt';
import { providersIntrospectingWith } from './anypoint';
import { sharedResourceInUse } from './failures';
import { oktaFor } from './clients';
import { resolveSecretRef } from '../config/secrets';
import type { OktaClient, OktaUser } from '../clients/okta';
import { converge, diffFields, isFirstAttempt, unlessParentGone, type Convergence } from './converge';
import { removeDuplicatesOf } from './duplicates';
import type { MissingAssignment, OktaEndpoints, PlanFinding, RegisteredClient, StepResult, UndoTarget } from './types';

/*
 * Okta converge steps. Each activity does one external write at most, finds resources by exact
 * identity (Okta's `q` is a prefix match, so the client filters), and is safe to retry: a retry
 * after a lost response finds what the first attempt created instead of creating it twice.
 */

/** Okta's pseudo group id for everyone in policy rules; app assignments need the real group. */
const EVERYONE = 'EVERYONE';

/** Okta steps run only for a tenant whose identity provider is Okta (the workflow skips them otherwise). */
type Cfg = OktaTenantConfig;

export function authorizationServerConvergence(cfg: Cfg): Convergence<OktaAuthorizationServer> {
  const okta = oktaFor(cfg);
  const spec = cfg.okta.authorizationServer;
  if ('adopt' in spec) {
    return {
      find: () => adoptedServer(okta, spec.adopt),
      create: () => Promise.reject(adoptedServerMissing(spec.adopt)),
      differences: () => [],
      update: async (s) => s,
      idOf: (s) => s.id!,
      facts: (s) => ({ issuer: s.issuer ?? '' }),
    };
  }
  const desired = { name: spec.create.name, description: spec.create.description, audiences: [spec.create.audience] };
  return {
    find: () => okta.findAuthorizationServerByName(desired.name),
    create: () => okta.createAuthorizationServer(desired),
    desired: () => desired,
    differences: (s) => diffFields(desired, s as Record<string, unknown>),
    update: (s) => okta.replaceAuthorizationServer(s.id!, { ...s, ...desired }),
    idOf: (s) => s.id!,
    facts: (s) => ({ issuer: s.issuer ?? '' }),
    previous: (s) => ({ name: s.name, description: s.description, audiences: s.audiences }),
    restore: async (id, previous) => okta.replaceAuthorizationServer(id, { ...(await okta.getAuthorizationServer(id)), ...previous } as Parameters<typeof okta.replaceAuthorizationServer>[1]),
  };
}

/** `listed`: the server's scopes when the caller lists them once for several scopes (the plan). */
export function scopeConvergence(cfg: Cfg, authServerId: string | undefined, name: string, listed?: () => Promise<OktaScope[]>): Convergence<OktaScope> {
  const okta = oktaFor(cfg);
  const scope = cfg.okta.scopes.find((s) => s.name === name)!;
  const desired = {
    name: scope.name,
    description: scope.description,
    consent: scope.consent,
    metadataPublish: scope.metadataPublish,
  };
  const scopes = async () => (authServerId ? (listed ?? (() => okta.listScopes(authServerId)))() : []);
  return {
    find: lookup(cfg, CATALOGUE.scope.key(name), {
      byFile: async () => (await scopes()).find((s) => s.name === name),
      byId: async (id) => (await scopes()).find((s) => s.id === id),
      byName: async (ref) => (await scopes()).find((s) => s.name === ref),
    }),
    create: () => okta.createScope(authServerId!, desired),
    desired: () => desired,
    differences: (s) => diffFields(desired, s as Record<string, unknown>),
    update: (s) => okta.replaceScope(authServerId!, s.id!, { ...s, ...desired }),
    idOf: (s) => s.id!,
    previous: (s) => ({ name: s.name, description: s.description, consent: s.consent, metadataPublish: s.metadataPublish }),
    restore: async (id, previous) => {
      const current = (await scopes()).find((s) => s.id === id);
      return current && okta.replaceScope(authServerId!, id, { ...current, ...previous } as Parameters<typeof okta.replaceScope>[2]);
    },
  };
}

export function groupConvergence(cfg: Cfg, name: string): Convergence<OktaGroup> {
  const okta = oktaFor(cfg);
  const group = cfg.okta.groups.find((g) => g.name === name)!;
  const desired = { name: group.name, description: group.description ?? '' };
  return {
    find: lookup(cfg, CATALOGUE.group.key(name), { byFile: () => okta.findGroupByName(name), byId: (id) => okta.getGroup(id), byName: (ref) => okta.findGroupByName(ref) }),
    create: () => okta.createGroup(desired),
    desired: () => desired,
    differences: (g) => diffFields({ description: desired.description }, { description: g.profile?.description ?? '' }),
    // An adopted group keeps its own name: the file's entry is how the tenant refers to it.
    update: (g) => okta.replaceGroup(g.id!, { ...desired, name: g.profile?.name ?? desired.name }),
    idOf: (g) => g.id!,
    previous: (g) => ({ name: g.profile?.name, description: g.profile?.description ?? '' }),
    restore: (id, previous) => okta.replaceGroup(id, previous as { name: string; description: string }),
  };
}

export function policyConvergence(cfg: Cfg, authServerId: string | undefined): Convergence<OktaPolicy> {
  const okta = oktaFor(cfg);
  const p = cfg.okta.accessPolicy;
  // On an adopted server other tenants' policies come and go, and Okta renumbers the priorities each time:
  // this tenant's policy is added after the others and its place is not compared (it would drift forever).
  const place = 'adopt' in cfg.okta.authorizationServer ? {} : { priority: p.priority };
  const desired = {
    type: 'OAUTH_AUTHORIZATION_POLICY',
    name: p.name,
    description: p.description,
    ...place,
    status: 'ACTIVE',
    conditions: { clients: { include: p.clients } },
  };
  const policies = async () => (authServerId ? okta.listPolicies(authServerId) : []);
  return {
    find: lookup(cfg, CATALOGUE.accessPolicy.key(null), {
      byFile: async () => (authServerId ? okta.findPolicyByName(authServerId, p.name) : undefined),
      byId: async (id) => (await policies()).find((x) => x.id === id),
      byName: async (ref) => (await policies()).find((x) => x.name === ref),
    }),
    create: () => okta.createPolicy(authServerId!, desired),
    desired: () => ({ name: desired.name, description: desired.description, ...place, clients: p.clients }),
    differences: (x) => diffFields(desired, x as Record<string, unknown>),
    // An adopted policy keeps its name, like an adopted group.
    update: (x) => okta.replacePolicy(authServerId!, x.id!, { ...x, ...desired, name: x.name ?? desired.name }),
    idOf: (x) => x.id!,
    previous: (x) => ({ name: x.name, description: x.description, priority: x.priority, status: x.status, conditions: x.conditions }),
    restore: async (id, previous) => {
      const current = (await policies()).find((x) => x.id === id);
      return current && okta.replacePolicy(authServerId!, id, { ...current, ...previous } as Parameters<typeof okta.replacePolicy>[2]);
    },
  };
}

/** `knownGroupIds`: the tenant's group ids by name, when the group steps already returned them (no look-up then). */
export function ruleConvergence(cfg: Cfg, authServerId: string | undefined, policyId: string | undefined, knownGroupIds: Record<string, string> = {}): Convergence<OktaPolicyRule> {
  return policyRuleConvergence(cfg, authServerId, policyId, CATALOGUE.policyRule.key(null), cfg.okta.accessPolicy.rule, knownGroupIds);
}

/** One of the policy's rules for the members of some groups (a tier): okta.accessPolicy.groupRules. */
export function groupRuleConvergence(cfg: Cfg, authServerId: string | undefined, policyId: string | undefined, name: string, knownGroupIds: Record<string, string> = {}): Convergence<OktaPolicyRule> {
  const rule = cfg.okta.accessPolicy.groupRules.find((r) => r.name === name)!;
  return policyRuleConvergence(cfg, authServerId, policyId, CATALOGUE.groupRule.key(name), rule, knownGroupIds);
}

type RuleSpec = Cfg['okta']['accessPolicy']['rule'];

function policyRuleConvergence(cfg: Cfg, authServerId: string | undefined, policyId: string | undefined, key: string, r: RuleSpec, knownGroupIds: Record<string, string>): Convergence<OktaPolicyRule> {
  const okta = oktaFor(cfg);
  const desiredFor = async () => ({
    type: 'RESOURCE_ACCESS',
    name: r.name,
    priority: r.priority,
    status: 'ACTIVE',
    conditions: {
      grantTypes: { include: r.grantTypes },
      scopes: { include: r.scopes },
      people: { groups: { include: await groupIds(cfg, r.groups, knownGroupIds) } },
    },
    actions: { token: { accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes } },
  });
  let desired: Awaited<ReturnType<typeof desiredFor>> | undefined;
  const rules = async () => (authServerId && policyId ? okta.listRules(authServerId, policyId) : []);
  const find = lookup(cfg, key, {
    byFile: async () => (authServerId && policyId ? okta.findRuleByName(authServerId, policyId, r.name) : undefined),
    byId: async (id) => (await rules()).find((x) => x.id === id),
    byName: async (ref) => (await rules()).find((x) => x.name === ref),
  });
  return {
    find: async () => {
      desired = await desiredFor();
      return find();
    },
    create: async () => okta.createRule(authServerId!, policyId!, desired ?? (await desiredFor())),
    desired: () => ({ name: r.name, priority: r.priority, grantTypes: r.grantTypes, scopes: r.scopes, groups: r.groups, lifetime: r.accessTokenLifetimeMinutes }),
    differences: (x) => {
      const d = desired!;
      return diffFields(
        { priority: d.priority, grantTypes: d.conditions.grantTypes.include, scopes: d.conditions.scopes.include, groups: d.conditions.people.groups.include, lifetime: d.actions.token.accessTokenLifetimeMinutes },
        {
          priority: x.priority,
          grantTypes: x.conditions?.grantTypes?.include,
          scopes: x.conditions?.scopes?.include,
          groups: x.conditions?.people?.groups?.include,
          lifetime: x.actions?.token?.accessTokenLifetimeMinutes,
        },
      );
    },
    update: (x) => okta.replaceRule(authServerId!, policyId!, x.id!, { ...x, ...desired!, name: x.name ?? desired!.name }),
    idOf: (x) => x.id!,
    previous: (x) => ({ name: x.name, priority: x.priority, status: x.status, conditions: x.conditions, actions: x.actions }),
    restore: async (id, previous) => {
      const current = (await rules()).find((x) => x.id === id);
      return current && okta.replaceRule(authServerId!, policyId!, id, { ...current, ...previous } as Parameters<typeof okta.replaceRule>[3]);
    },
  };
}

export function introspectionClientConvergence(cfg: Cfg): Convergence<OktaApp> {
  const okta = oktaFor(cfg);
  const label = cfg.okta.introspectionClient.label;
  return appConvergence(okta, CATALOGUE.introspectionClient.key(null), cfg, label, {
    applicationType: 'service',
    grantTypes: ['client_credentials'],
    responseTypes: ['token'],
    redirectUris: [],
  });
}

export function ssoAppConvergence(cfg: Cfg): Convergence<OktaApp> {
  const okta = oktaFor(cfg);
  const sso = cfg.okta.ssoApp!;
  return appConvergence(okta, CATALOGUE.ssoApp.key(null), cfg, sso.label, {
    applicationType: 'web',
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    // The real redirect URI exists only once Anypoint's identity provider does (setSsoRedirectUri).
    redirectUris: [PENDING_REDIRECT_URI],
    postLogoutRedirectUris: sso.postLogoutRedirectUris ?? [],
  });
}

function appConvergence(okta: ReturnType<typeof oktaFor>, key: string, cfg: Cfg, label: string, desired: OidcAppSpec): Convergence<OktaApp> {
  let removedDuplicates: string[] = [];
  return {
    find: lookup(cfg, key, { byFile: () => okta.findOidcAppByLabel(label), byId: (id) => okta.getApp(id), byName: (ref) => okta.findOidcAppByLabel(ref) }),
    create: async () => {
      const app = await okta.createOidcApp({ label, ...desired });
      // Only a retry can have made an app of this label before (a lost response, a worker that died): see duplicates.ts.
      if (!isFirstAttempt()) removedDuplicates = await removeDuplicatesOf(okta, app);
      return app;
    },
    notes: () => removedDuplicates,
    desired: () => ({ label, ...desired }),
    differences: (app) =>
      diffFields(
        { applicationType: desired.applicationType, grantTypes: desired.grantTypes, status: 'ACTIVE' },
        { applicationType: app.settings?.oauthClient?.application_type, grantTypes: app.settings?.oauthClient?.grant_types, status: app.status },
      ),
    update: async (app) => {
      if (app.status !== 'ACTIVE') await okta.activateApp(app.id!);
      return okta.updateOidcApp(app.id!, { label: app.label ?? label, ...desired, redirectUris: app.settings?.oauthClient?.redirect_uris ?? desired.redirectUris });
    },
    idOf: (app) => app.id!,
    // The redirect URIs let the plan tell whether the SSO app's write-back (setSsoRedirectUri) has anything to do.
    facts: (app) => ({ clientId: app.id!, redirectUris: (app.settings?.oauthClient?.redirect_uris ?? []).join(' ') }),
    previous: (app) => {
      const client = app.settings?.oauthClient;
      return { label: app.label, status: app.status, applicationType: client?.application_type, grantTypes: client?.grant_types, responseTypes: client?.response_types, redirectUris: client?.redirect_uris ?? [], postLogoutRedirectUris: client?.post_logout_redirect_uris ?? [] };
    },
    restore: async (id, previous) => {
      const { status, ...spec } = previous as OidcAppSpec & { label: string; status?: string };
      await okta.updateOidcApp(id, spec);
      if (status && status !== 'ACTIVE') await okta.deactivateApp(id);
    },
  };
}

/**
 * A person of the sign-in proof (verification.signIn.users), created with the password the file references
 * and made a member of the user's groups. Only selected where the onboarding manages users (see
 * managesVerificationUsers). The password is resolved here and sent to Okta only; it is never compared,
 * since Okta never returns it.
 */
export function verificationUserConvergence(cfg: Cfg, login: string, knownGroupIds: Record<string, string> = {}): Convergence<OktaUser & { missingGroupIds: string[] }> {
  const okta = oktaFor(cfg);
  const spec = cfg.verification.signIn!.users.find((u) => u.login === login)!;
  const groupIdsOf = async () => {
    const ids: string[] = [];
    for (const name of spec.groups) {
      const id = knownGroupIds[name] ?? (await assignableGroupId(cfg, name));
      if (!id) throw new Error(`Okta group "${name}" does not exist yet`);
      ids.push(id);
    }
    return ids;
  };
  return {
    find: async () => {
      const user = await okta.findUserByLogin(login);
      if (!user) return undefined;
      const missingGroupIds: string[] = [];
      for (const id of await groupIdsOf()) if (!(await okta.isGroupMember(id, user.id))) missingGroupIds.push(id);
      return { ...user, missingGroupIds };
    },
    create: async () => ({ ...(await okta.createUserWithPassword(login, resolveSecretRef(spec.password), await groupIdsOf())), missingGroupIds: [] }),
    differences: (u) => [
      ...(u.status === 'ACTIVE' ? [] : [{ field: 'status', from: u.status, to: 'ACTIVE' }]),
      ...(u.missingGroupIds.length ? [{ field: 'groups', from: `missing ${u.missingGroupIds.length}`, to: spec.groups }] : []),
    ],
    update: async (u) => {
      // A user's lifecycle (suspended, locked out, deprovisioned) is the Okta admin's decision, not the
      // onboarding's to undo; saying "updated" and failing at the sign-in proof would hide why.
      if (u.status !== 'ACTIVE') {
        throw ApplicationFailure.create({
          type: 'config',
          nonRetryable: true,
          message: `Okta user ${login} (verification.signIn.users) is ${u.status}, so the sign-in proof cannot sign in as it. Fix: activate it in Okta (Directory → People → ${login}: Activate, Unsuspend or Unlock), or remove it from verification.signIn.users.`,
        });
      }
      for (const id of u.missingGroupIds) await okta.addUserToGroup(id, u.id);
      return { ...u, missingGroupIds: [] };
    },
    idOf: (u) => u.id,
  };
}

/**
 * An app (client) assigned to a group; the id is the group's. Used for registered clients and the SSO app.
 * `knownGroupId`: the group's id when the group step already returned it (no look-up then).
 */
export function groupAssignmentConvergence(cfg: Cfg, appId: string | undefined, group: string, knownGroupId?: string): Convergence<{ id: string }> {
  const okta = oktaFor(cfg);
  let groupId = knownGroupId;
  const resolveGroup = async () => (groupId ??= await assignableGroupId(cfg, group));
  return {
    find: async () => {
      // An app that does not exist yet has no assignment: no need to look the group up for that.
      if (!appId) return undefined;
      const id = await resolveGroup();
      return appId && id && (await okta.getAppGroupAssignment(appId, id)) ? { id } : undefined;
    },
    create: async () => {
      const id = await resolveGroup();
      if (!id) throw new Error(`Okta group "${group}" does not exist`);
      await okta.assignGroupToApp(appId!, id);
      return { id };
    },
    differences: () => [],
    update: async (a) => a,
    idOf: (a) => a.id,
  };
}

/**
 * What the onboarding writes and which standard roles may write it (Okta's role descriptions): a token acts
 * with its admin's roles, and a token without them answers every read and fails only at the first write
 * (403 E0000006), after the preflight said all was well.
 */
const ROLES_FOR_WRITES: [what: string, roles: string[]][] = [
  ['authorization servers, scopes and policies', ['SUPER_ADMIN', 'API_ACCESS_MANAGEMENT_ADMIN']],
  ['apps and their assignments', ['SUPER_ADMIN', 'ORG_ADMIN', 'APP_ADMIN']],
  // USER_ADMIN is the Group Administrator's role type (Okta's RoleType has no GROUP_ADMIN).
  ['groups', ['SUPER_ADMIN', 'ORG_ADMIN', 'USER_ADMIN']],
];
/** Only for a tenant whose proof signs users in (verification.signIn with users the onboarding creates). */
const ROLES_FOR_USER_WRITES: [what: string, roles: string[]] = ['users (verification.signIn.users)', ['SUPER_ADMIN', 'ORG_ADMIN', 'USER_ADMIN']];

/** Whose roles are checked, and where they are fixed: the API token's admin, or the service app. */
interface RoleHolder {
  /** Names the holder in the message: "The Okta API token acts as admin@example.com, whose…". */
  acting: string;
  fix: string;
}

const tokenAdmin = (admin: string): RoleHolder => ({
  acting: `The Okta API token acts as ${admin}, whose`,
  fix: `create the token as a Super Administrator (Security → API → Tokens, signed in as one), or give ${admin} those roles in Security → Administrators; then point okta.apiToken at the token.`,
});

const serviceApp = (clientId: string): RoleHolder => ({
  acting: `The Okta service app ${clientId} (okta.oauth.clientId) has scopes but its`,
  fix: `assign those roles to the service app in Okta (Applications → the app → Admin roles → Edit assignments, or POST /oauth2/v1/clients/${clientId}/roles); a scope allows nothing the app's roles do not.`,
});

function refuseWithoutAdminRole(holder: RoleHolder, roles: string[], writesUsers: boolean): void {
  const writes = writesUsers ? [...ROLES_FOR_WRITES, ROLES_FOR_USER_WRITES] : ROLES_FOR_WRITES;
  const missing = writes.filter(([, allowed]) => !roles.some((r) => allowed.includes(r)));
  if (missing.length === 0) return;
  throw ApplicationFailure.create({
    type: 'config',
    nonRetryable: true,
    message:
      `${holder.acting} administrator roles (${roles.join(', ') || 'none'}) may not write ${missing.map(([what, allowed]) => `${what} (needs ${allowed.join(' or ')})`).join('; ')}: ` +
      `every write would fail with E0000006. Fix: ${holder.fix}`,
  });
}

/**
 * The server `okta.authorizationServer.adopt` names: by id ('default' is one), else by exact name, so that
 * tenant files sharing one server can name it before anyone knows its id.
 */
async function adoptedServer(okta: ReturnType<typeof oktaFor>, ref: string): Promise<OktaAuthorizationServer | undefined> {
  return (await tolerated(okta.getAuthorizationServer(ref))) ?? (await okta.findAuthorizationServerByName(ref));
}

/** The service app may read its own roles only with one of these (the spec's listRolesForClient). */
const ROLE_READ_SCOPES = ['okta.roles.read', 'okta.roles.manage'];

/** Adopting is never creating: a missing server is a configuration error, not something to retry. */
function adoptedServerMissing(id: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'config',
    nonRetryable: true,
    message: `Okta authorization server "${id}" does not exist (neither as an id nor as an exact name). Fix: set okta.authorizationServer.adopt to an existing id or name (or 'default'), or use create.`,
  });
}

async function groupIds(cfg: Cfg, names: string[], known: Record<string, string> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    if (name === EVERYONE) {
      ids.push(EVERYONE);
      continue;
    }
    if (known[name]) {
      ids.push(known[name]);
      continue;
    }
    const group = await tenantGroup(cfg, name);
    if (!group?.id) throw new Error(`Okta group "${name}" does not exist yet`);
    ids.push(group.id);
  }
  return ids;
}

/** A group the tenant file names, found as its convergence finds it: an adopted group by its id or name. */
function tenantGroup(cfg: Cfg, name: string): Promise<OktaGroup | undefined> {
  return cfg.okta.groups.some((g) => g.name === name) ? groupConvergence(cfg, name).find() : oktaFor(cfg).findGroupByName(name);
}

/** App assignments need real group ids; the Everyone pseudo group maps to the built-in group. */
export async function assignableGroupId(cfg: Cfg, name: string): Promise<string | undefined> {
  const group = name === EVERYONE ? await oktaFor(cfg).findGroupByName('Everyone', 'BUILT_IN') : await tenantGroup(cfg, name);
  return group?.id;
}

/** The endpoints Anypoint and the proof need, from an authorization server's metadata. */
export function endpointsOf(m: Awaited<ReturnType<OktaClient['getMetadata']>>): OktaEndpoints {
  return { issuer: m.issuer, authorize: m.authorization_endpoint, token: m.token_endpoint, introspect: m.introspection_endpoint, register: m.registration_endpoint, userinfo: m.userinfo_endpoint, keys: m.jwks_uri };
}

export const oktaActivities = {
  async checkOktaAccess(cfg: Cfg): Promise<void> {
    const okta = oktaFor(cfg);
    const me = await okta.verifyApiToken();
    const writesUsers = managesVerificationUsers(cfg);
    if (me.userId) refuseWithoutAdminRole(tokenAdmin(me.login ?? me.userId), await okta.listAdminRoles(me.userId), writesUsers);
    // A service app (okta.oauth) needs its scopes (proved above) and admin roles of its own. It may read its
    // roles only with okta.roles.read (in the default scopes); a tenant file whose scopes leave it out is not
    // checked here, and a missing role then fails the first write with E0000006.
    const readsOwnRoles = cfg.okta.oauth?.scopes.some((s) => ROLE_READ_SCOPES.includes(s)) ?? false;
    if (me.clientId && readsOwnRoles) refuseWithoutAdminRole(serviceApp(me.clientId), await okta.listClientAdminRoles(me.clientId), writesUsers);
    const spec = cfg.okta.authorizationServer;
    if ('adopt' in spec && !(await adoptedServer(okta, spec.adopt))) throw adoptedServerMissing(spec.adopt);
  },

  // `finding`: what the plan read about the step's resource (see converge); older runs pass none.
  ensureAuthorizationServer: (cfg: Cfg, finding?: PlanFinding): Promise<StepResult> => converge(authorizationServerConvergence(cfg), finding),
  ensureScope: (cfg: Cfg, authServerId: string, name: string, finding?: PlanFinding): Promise<StepResult> => converge(scopeConvergence(cfg, authServerId, name), finding),
  ensureGroup: (cfg: Cfg, name: string, finding?: PlanFinding): Promise<StepResult> => converge(groupConvergence(cfg, name), finding),
  ensureAccessPolicy: (cfg: Cfg, authServerId: string, finding?: PlanFinding): Promise<StepResult> => converge(policyConvergence(cfg, authServerId), finding),
  ensurePolicyRule: (cfg: Cfg, authServerId: string, policyId: string, finding?: PlanFinding, groupIds?: Record<string, string>): Promise<StepResult> =>
    converge(ruleConvergence(cfg, authServerId, policyId, groupIds), finding),
  ensureIntrospectionClient: (cfg: Cfg, finding?: PlanFinding): Promise<StepResult> => converge(introspectionClientConvergence(cfg), finding),
  ensureGroupRule: (cfg: Cfg, authServerId: string, policyId: string, name: string, finding?: PlanFinding, groupIds?: Record<string, string>): Promise<StepResult> =>
    converge(groupRuleConvergence(cfg, authServerId, policyId, name, groupIds), finding),
  ensureSsoApp: (cfg: Cfg, finding?: PlanFinding): Promise<StepResult> => converge(ssoAppConvergence(cfg), finding),
  ensureVerificationUser: (cfg: Cfg, login: string, finding?: PlanFinding, groupIds?: Record<string, string>): Promise<StepResult> =>
    converge(verificationUserConvergence(cfg, login, groupIds), finding),

  async readOktaEndpoints(cfg: Cfg, authServerId: string): Promise<OktaEndpoints> {
    return endpointsOf(await oktaFor(cfg).getMetadata(authServerId));
  },

  /** Writes Anypoint's redirect URI into the SSO app, replacing the placeholder, keeping any other URI. */
  async setSsoRedirectUri(cfg: Cfg, appId: string, redirectUri: string): Promise<StepResult> {
    const changed = await oktaFor(cfg).changeAppRedirectUris(appId, (current) =>
      redirectUrisConverged(current, redirectUri) ? undefined : [redirectUri, ...current.filter((u) => u !== redirectUri && u !== PENDING_REDIRECT_URI)],
    );
    return { outcome: changed ? 'updated' : 'unchanged', id: appId };
  },

  /** Reads, in Okta, which required group assignments of the registered clients are missing. */
  async checkGroupAssignments(cfg: Cfg, clients: RegisteredClient[]): Promise<MissingAssignment[]> {
    const okta = oktaFor(cfg);
    const missing: MissingAssignment[] = [];
    for (const client of clients) {
      for (const group of client.groups) {
        const groupId = await assignableGroupId(cfg, group);
        if (!groupId || !(await okta.getAppGroupAssignment(client.clientId, groupId))) {
          missing.push({ applicationName: client.applicationName, clientId: client.clientId, group });
        }
      }
    }
    return missing;
  },

  /** Assigns an Okta app (a registered client or the SSO app) to a group. */
  assignGroupToClient: (cfg: Cfg, clientId: string, group: string, finding?: PlanFinding, groupId?: string): Promise<StepResult> =>
    converge(groupAssignmentConvergence(cfg, clientId, group, groupId), finding),

  // Undo steps: idempotent (a resource already gone counts as undone).

  /**
   * Kept while policies or scopes other than this tenant's are on it (its own were removed before):
   * other tenants adopted it, and Okta would delete their policies and scopes with it.
   */
  async deleteAuthorizationServer(cfg: Cfg, target: UndoTarget): Promise<void> {
    const okta = oktaFor(cfg);
    const id = target.id ?? (await authorizationServerConvergence(cfg).find())?.id;
    if (!id) return;
    const [policies, scopes] = await Promise.all([unlessParentGone(okta.listPolicies(id)), unlessParentGone(okta.listScopes(id))]);
    const users = [...(policies ?? []).map((p) => `access policy "${p.name}"`), ...(scopes ?? []).filter((s) => !s.system).map((s) => `scope "${s.name}"`)];
    if (users.length > 0) throw sharedResourceInUse(`Okta authorization server "${target.name ?? id}" [${id}]`, users);
    await okta.deleteAuthorizationServer(id);
  },

  /**
   * Kept while a rule on the server still names it (this tenant's rules are removed before): on a server
   * many tenants share, another tenant that named the same scope uses this one.
   */
  async deleteScope(cfg: Cfg, target: UndoTarget): Promise<void> {
    const okta = oktaFor(cfg);
    const asId = target.parents?.authServerId;
    if (!asId) return;
    const scope = target.id ? (await unlessParentGone(okta.listScopes(asId)))?.find((s) => s.id === target.id) : await unlessParentGone(okta.findScopeByName(asId, target.name!));
    if (!scope?.id) return;
    const users: string[] = [];
    for (const policy of (await unlessParentGone(okta.listPolicies(asId))) ?? []) {
      for (const rule of (await unlessParentGone(okta.listRules(asId, policy.id!))) ?? []) {
        if (rule.conditions?.scopes?.include?.includes(scope.name!)) users.push(`rule "${rule.name}" of access policy "${policy.name}"`);
      }
    }
    if (users.length > 0) throw sharedResourceInUse(`Okta scope "${scope.name}" [${scope.id}]`, users);
    await okta.deleteScope(asId, scope.id);
  },

  async deleteGroup(cfg: Cfg, target: UndoTarget): Promise<void> {
    const id = target.id ?? (await oktaFor(cfg).findGroupByName(target.name!))?.id;
    if (id) await oktaFor(cfg).deleteGroup(id);
  },

  async deleteAccessPolicy(cfg: Cfg, target: UndoTarget): Promise<void> {
    const asId = target.parents?.authServerId;
    if (!asId) return;
    const id = target.id ?? (await unlessParentGone(oktaFor(cfg).findPolicyByName(asId, target.name!)))?.id;
    if (id) await oktaFor(cfg).deletePolicy(asId, id);
  },

  async deletePolicyRule(cfg: Cfg, target: UndoTarget): Promise<void> {
    const { authServerId, policyId } = target.parents ?? {};
    if (!authServerId || !policyId) return;
    const id = target.id ?? (await unlessParentGone(oktaFor(cfg).findRuleByName(authServerId, policyId, target.name!)))?.id;
    if (id) await oktaFor(cfg).deleteRule(authServerId, policyId, id);
  },

  /** Deletes a sign-in user the onboarding created (deactivated first, as Okta requires). */
  async deleteOktaUser(cfg: Cfg, target: UndoTarget): Promise<void> {
    const id = target.id ?? (target.name ? (await oktaFor(cfg).findUserByLogin(target.name))?.id : undefined);
    if (id) await oktaFor(cfg).deleteUser(id);
  },

  /**
   * Deactivates then deletes an Okta app (Okta deletes only inactive apps). The introspection client is
   * kept while a client provider (one other tenants adopted) still introspects with it.
   */
  async deleteOktaApp(cfg: Cfg, target: UndoTarget): Promise<void> {
    const id = target.id ?? (target.name ? (await oktaFor(cfg).findOidcAppByLabel(target.name))?.id : undefined);
    if (!id) return;
    if (target.key === CATALOGUE.introspectionClient.key(null)) {
      const users = await providersIntrospectingWith(cfg, id);
      if (users.length > 0) throw sharedResourceInUse(`Okta introspection client "${target.name ?? id}" [${id}]`, users);
    }
    await oktaFor(cfg).deleteApp(id);
  },

  /** Removes the client Anypoint registered in Okta: Anypoint itself can neither update nor delete it. */
  async deleteOktaClient(cfg: Cfg, target: UndoTarget): Promise<void> {
    if (target.id) await oktaFor(cfg).deleteApp(target.id);
  },

  async unassignGroupFromClient(cfg: Cfg, target: UndoTarget): Promise<void> {
    const clientId = target.parents?.clientId;
    const groupId = target.id ?? (target.name ? await assignableGroupId(cfg, target.name) : undefined);
    if (clientId && groupId) await oktaFor(cfg).unassignGroupFromApp(clientId, groupId);
  },
};

// Local aliases for the client's resource types keep the convergence code readable.
type OktaAuthorizationServer = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['getAuthorizationServer']>>>;
type OktaScope = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['findScopeByName']>>>;
type OktaGroup = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['findGroupByName']>>>;
type OktaPolicy = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['findPolicyByName']>>>;
type OktaPolicyRule = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['findRuleByName']>>>;
type OktaApp = NonNullable<Awaited<ReturnType<ReturnType<typeof oktaFor>['findOidcAppByLabel']>>>;
type OidcAppSpec = { applicationType: string; grantTypes: string[]; responseTypes: string[]; redirectUris: string[]; postLogoutRedirectUris?: string[] };
