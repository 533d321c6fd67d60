import type { TenantConfig } from '../config/tenant';

/*
 * The step catalogue: every kind of resource the project manages, described once. The plan, the
 * onboarding, its compensation, the tenant record and the offboarding all read it, so a step's key
 * cannot mean one thing to the plan and another to the undo. Pure data and functions: workflows
 * import it, and so do activities.
 *
 * Rows are in dependency order (a parent before its children): the onboarding creates in this
 * order and the offboarding removes in the reverse one.
 */

/** Where a resource lives; `provider` is an RFC 7591 identity provider (tenant file `rfc7591`). */
export type System = 'okta' | 'anypoint' | 'provider';

/** Names of the undo activities a kind's removal runs, in order (see src/workflows/removal.ts). */
export type UndoActivityName =
  | 'deleteAuthorizationServer'
  | 'deleteScope'
  | 'deleteGroup'
  | 'deleteAccessPolicy'
  | 'deletePolicyRule'
  | 'deleteOktaApp'
  | 'deleteOktaUser'
  | 'deleteOktaClient'
  | 'reportProviderClientLeft'
  | 'unassignGroupFromClient'
  | 'deleteClientProvider'
  | 'deleteIdentityProvider'
  | 'deleteApiAsset'
  | 'deleteApiInstance'
  | 'deleteProxyDeployment'
  | 'deleteApiPolicy'
  | 'deleteClientApplication'
  | 'revokeContract'
  | 'deleteContract';

/** Ids a resource is addressed under, taken from the steps that made its parents. */
export type ParentId = 'authServerId' | 'policyId' | 'apiId' | 'clientId';

export interface ResourceKind<Item> {
  readonly kind: KindName;
  readonly system: System;
  /** The stable step key of one item: names it in the plan, the progress, the undo and the tenant record. */
  key(item: Item): string;
  /** What a person reads in the plan, the status and the audit. */
  title(cfg: TenantConfig, item: Item): string;
  /** The items the tenant file asks for, in the file's order. */
  select(cfg: TenantConfig): Item[];
  /** Exact identity (name, label, index) an undo looks the resource up by when it has no id. */
  identity(cfg: TenantConfig, item: Item): string | undefined;
  /** The parent ids the resource is addressed under. */
  readonly parents: readonly ParentId[];
  /** Undo activities, run in this order; empty for a resource removed with another one. */
  readonly undo: readonly UndoActivityName[];
}

/** One item of the example tenant's singletons (the authorization server, the client provider…). */
type Single = null;
const single = (present: boolean): Single[] => (present ? [null] : []);

export interface ClientAssignment {
  application: string;
  group: string;
}

const kinds = {
  authorizationServer: {
    system: 'okta',
    key: () => 'okta.authorizationServer',
    title: (cfg) => {
      const spec = okta(cfg).authorizationServer;
      return 'create' in spec ? `Okta authorization server "${spec.create.name}"` : `Okta authorization server "${spec.adopt}" (adopted)`;
    },
    select: (cfg) => single(cfg.okta !== undefined),
    identity: (cfg) => {
      const spec = okta(cfg).authorizationServer;
      return 'create' in spec ? spec.create.name : spec.adopt;
    },
    parents: [],
    undo: ['deleteAuthorizationServer'],
  } satisfies Row<Single>,
  scope: {
    system: 'okta',
    key: (name) => `okta.scope:${name}`,
    title: (_cfg, name) => `Okta scope "${name}"`,
    select: (cfg) => cfg.okta?.scopes.map((s) => s.name) ?? [],
    identity: (_cfg, name) => name,
    parents: ['authServerId'],
    undo: ['deleteScope'],
  } satisfies Row<string>,
  group: {
    system: 'okta',
    key: (name) => `okta.group:${name}`,
    title: (_cfg, name) => `Okta group "${name}"`,
    select: (cfg) => cfg.okta?.groups.map((g) => g.name) ?? [],
    identity: (_cfg, name) => name,
    parents: [],
    undo: ['deleteGroup'],
  } satisfies Row<string>,
  verificationUser: {
    system: 'okta',
    key: (login) => `okta.user:${login}`,
    title: (cfg, login) => {
      const groups = cfg.verification.signIn?.users.find((u) => u.login === login)?.groups ?? [];
      return `Okta user "${login}" for the sign-in proof${groups.length ? `, member of ${groups.join(', ')}` : ', in no group'}`;
    },
    select: (cfg) => (managesVerificationUsers(cfg) ? cfg.verification.signIn!.users.map((u) => u.login) : []),
    identity: (_cfg, login) => login,
    parents: [],
    undo: ['deleteOktaUser'],
  } satisfies Row<string>,
  accessPolicy: {
    system: 'okta',
    key: () => 'okta.accessPolicy',
    title: (cfg) => `Okta access policy "${okta(cfg).accessPolicy.name}"`,
    select: (cfg) => single(cfg.okta !== undefined),
    identity: (cfg) => okta(cfg).accessPolicy.name,
    parents: ['authServerId'],
    undo: ['deleteAccessPolicy'],
  } satisfies Row<Single>,
  policyRule: {
    system: 'okta',
    key: () => 'okta.policyRule',
    title: (cfg) => `Okta policy rule "${okta(cfg).accessPolicy.rule.name}"`,
    select: (cfg) => single(cfg.okta !== undefined),
    identity: (cfg) => okta(cfg).accessPolicy.rule.name,
    parents: ['authServerId', 'policyId'],
    undo: ['deletePolicyRule'],
  } satisfies Row<Single>,
  groupRule: {
    system: 'okta',
    key: (name) => `okta.groupRule:${name}`,
    title: (cfg, name) => {
      const rule = okta(cfg).accessPolicy.groupRules.find((r) => r.name === name);
      return `Okta policy rule "${name}" for ${rule?.groups.join(', ') ?? 'its groups'} → ${rule?.scopes.join(' ') ?? ''}`;
    },
    // `?? []` keeps runs started before okta.accessPolicy.groupRules existed replayable.
    select: (cfg) => cfg.okta?.accessPolicy.groupRules?.map((r) => r.name) ?? [],
    identity: (_cfg, name) => name,
    parents: ['authServerId', 'policyId'],
    undo: ['deletePolicyRule'],
  } satisfies Row<string>,
  introspectionClient: {
    system: 'okta',
    key: () => 'okta.introspectionClient',
    title: (cfg) => `Okta introspection client "${okta(cfg).introspectionClient.label}"`,
    select: (cfg) => single(cfg.okta !== undefined),
    identity: (cfg) => okta(cfg).introspectionClient.label,
    parents: [],
    undo: ['deleteOktaApp'],
  } satisfies Row<Single>,
  ssoApp: {
    system: 'okta',
    key: () => 'okta.ssoApp',
    title: (cfg) => `Okta SSO web app "${cfg.okta?.ssoApp?.label}"`,
    select: (cfg) => single(cfg.okta?.ssoApp !== undefined),
    identity: (cfg) => cfg.okta?.ssoApp?.label,
    parents: [],
    undo: ['deleteOktaApp'],
  } satisfies Row<Single>,
  ssoAssignment: {
    system: 'okta',
    key: (group) => `okta.ssoAssignment:${group}`,
    title: (_cfg, group) => `Okta group "${group}" assigned to the SSO app`,
    // `?? []` keeps runs started before okta.ssoApp.groups existed replayable.
    select: (cfg) => cfg.okta?.ssoApp?.groups ?? [],
    identity: (_cfg, group) => group,
    parents: ['clientId'],
    undo: ['unassignGroupFromClient'],
  } satisfies Row<string>,
  clientProvider: {
    system: 'anypoint',
    key: () => 'anypoint.clientProvider',
    title: (cfg) => `Anypoint client provider "${cfg.anypoint.clientProvider.name}"`,
    select: () => single(true),
    identity: (cfg) => cfg.anypoint.clientProvider.name,
    parents: [],
    undo: ['deleteClientProvider'],
  } satisfies Row<Single>,
  identityProvider: {
    system: 'anypoint',
    key: () => 'anypoint.identityProvider',
    title: (cfg) => `Anypoint identity provider "${identityProviderName(cfg)}"`,
    select: (cfg) => single(cfg.okta?.ssoApp !== undefined),
    identity: (cfg) => identityProviderName(cfg),
    parents: [],
    undo: ['deleteIdentityProvider'],
  } satisfies Row<Single>,
  asset: {
    system: 'anypoint',
    key: () => 'anypoint.asset',
    title: (cfg) => `Exchange asset ${cfg.anypoint.api.asset.assetId} ${cfg.anypoint.api.asset.version}`,
    // Published only from a RAML in the tenant file; otherwise it must already be in Exchange.
    select: (cfg) => single(cfg.anypoint.api.raml !== undefined),
    identity: (cfg) => `${cfg.anypoint.api.asset.assetId}/${cfg.anypoint.api.asset.version}`,
    parents: [],
    undo: ['deleteApiAsset'],
  } satisfies Row<Single>,
  apiInstance: {
    system: 'anypoint',
    key: () => 'anypoint.apiInstance',
    title: (cfg) => `API instance "${cfg.anypoint.api.instanceLabel}"`,
    select: () => single(true),
    identity: (cfg) => cfg.anypoint.api.instanceLabel,
    parents: [],
    undo: ['deleteApiInstance'],
  } satisfies Row<Single>,
  deployment: {
    system: 'anypoint',
    key: () => 'anypoint.deployment',
    title: (cfg) => `Proxy deployment "${cfg.anypoint.api.proxy.applicationName}"`,
    select: () => single(true),
    identity: (cfg) => cfg.anypoint.api.proxy.applicationName,
    parents: ['apiId'],
    undo: ['deleteProxyDeployment'],
  } satisfies Row<Single>,
  apiPolicy: {
    system: 'anypoint',
    key: (index) => `anypoint.policy:${index}`,
    title: (cfg, index) => {
      const p = cfg.anypoint.api.policies[index];
      return `OIDC policy ${p.methods.join('|')} ${p.resource} → ${p.scopes.join(' ')}`;
    },
    select: (cfg) => cfg.anypoint.api.policies.map((_p, index) => index),
    identity: (_cfg, index) => String(index),
    parents: ['apiId'],
    undo: ['deleteApiPolicy'],
  } satisfies Row<number>,
  application: {
    system: 'anypoint',
    key: (name) => `anypoint.application:${name}`,
    title: (cfg, name) => `Exchange client application "${name}" (registers a client in ${cfg.okta ? 'Okta' : 'the RFC 7591 provider'})`,
    select: (cfg) => cfg.anypoint.clientApplications.map((a) => a.name),
    identity: (_cfg, name) => name,
    parents: [],
    // Its Okta client goes with it (removal.ts): Anypoint cannot delete what it registered.
    // A client at an RFC 7591 provider is a kind of its own (providerClient).
    undo: ['deleteClientApplication'],
  } satisfies Row<string>,
  registeredClient: {
    system: 'okta',
    key: (application) => `okta.client:${application}`,
    title: (_cfg, application) => `Okta client registered by Anypoint for "${application}"`,
    select: (cfg) => (cfg.okta ? cfg.anypoint.clientApplications.map((a) => a.name) : []),
    identity: () => undefined,
    parents: [],
    undo: ['deleteOktaClient'],
  } satisfies Row<string>,
  providerClient: {
    system: 'provider',
    key: (application) => `provider.client:${application}`,
    title: (_cfg, application) => `Client registered by Anypoint at the RFC 7591 provider for "${application}"`,
    select: (cfg) => (cfg.rfc7591 ? cfg.anypoint.clientApplications.map((a) => a.name) : []),
    identity: (_cfg, application) => application,
    parents: [],
    // Anypoint keeps the client's RFC 7592 handle to itself and the provider offers no other way:
    // the undo reports the client id as left at the provider instead of pretending to remove it.
    undo: ['reportProviderClientLeft'],
  } satisfies Row<string>,
  contract: {
    system: 'anypoint',
    key: (application) => `anypoint.contract:${application}`,
    title: (_cfg, application) => `Contract of "${application}" with the API instance`,
    select: (cfg) => cfg.anypoint.clientApplications.map((a) => a.name),
    identity: () => undefined,
    parents: ['apiId'],
    // The platform refuses to delete a contract that is not revoked first.
    undo: ['revokeContract', 'deleteContract'],
  } satisfies Row<string>,
  clientAssignment: {
    system: 'okta',
    key: ({ application, group }) => `okta.assignment:${application}:${group}`,
    title: (_cfg, { application, group }) => `Okta group "${group}" assigned to the client of "${application}"`,
    // Only assignments the run makes itself (auto mode); a manual one is the Okta admin's, never undone.
    select: (cfg) =>
      cfg.okta && cfg.assignment.mode === 'auto' ? cfg.anypoint.clientApplications.flatMap((a) => a.groups.map((group) => ({ application: a.name, group }))) : [],
    identity: (_cfg, { group }) => group,
    parents: ['clientId'],
    undo: ['unassignGroupFromClient'],
  } satisfies Row<ClientAssignment>,
};

type Row<Item> = Omit<ResourceKind<Item>, 'kind'>;
export type KindName = keyof typeof kinds;

export type ItemOf<K extends KindName> = ReturnType<(typeof kinds)[K]['select']>[number];

/** The catalogue, each row with its own name. */
export const CATALOGUE = Object.fromEntries(Object.entries(kinds).map(([kind, row]) => [kind, { kind, ...row }])) as unknown as {
  [K in KindName]: ResourceKind<ItemOf<K>>;
};

/** Kinds in dependency order: creation follows it, removal reverses it. */
export const KIND_ORDER = Object.keys(kinds) as KindName[];

/**
 * Kinds the tenant file's `adopt` map cannot name, and why: everything else can be adopted by id or
 * exact name (see src/activities/adopt.ts).
 */
export const NOT_ADOPTABLE = {
  authorizationServer: 'an authorization server is adopted with okta.authorizationServer.adopt',
  ssoAssignment: 'a group assignment exists or not; there is nothing to adopt',
  clientAssignment: 'a group assignment exists or not; there is nothing to adopt',
  asset: 'an Exchange asset that exists is used as it is, never changed',
  registeredClient: 'Anypoint registers this client for its application; adopt the application',
  verificationUser: 'a sign-in user is created only where the onboarding manages users; name an existing one with manageUsers: never',
  contract: 'a contract belongs to its application; adopt the application',
} as const satisfies Partial<Record<KindName, string>>;

/**
 * An undo refused to remove something this tenant created because other tenants still use it (a client
 * provider, the introspection client or the authorization server shared by many APIs on one org): it is
 * kept, stays in the tenant record, and an offboarding run later removes it once nobody uses it.
 */
export const SHARED_RESOURCE_IN_USE = 'SharedResourceInUse';

/** Steps that create nothing: checks, reads, the pause and the proof. Keys and titles, once. */
export const CHECKS = {
  preflightOkta: { key: 'preflight.okta', title: 'Okta API token and organization answer' },
  preflightProvider: { key: 'preflight.provider', title: 'RFC 7591 provider: discovery document, registration header, introspection client' },
  preflightAnypoint: { key: 'preflight.anypoint', title: 'Anypoint connected app, environment and Exchange asset' },
  plan: { key: 'plan', title: 'Plan: what exists, what will be created or updated' },
  metadata: { key: 'okta.metadata', title: 'Okta authorization server metadata' },
  ssoRedirectUri: { key: 'okta.ssoRedirectUri', title: 'Anypoint redirect URI written into the Okta SSO app' },
  approval: { key: 'approval', title: 'Manual Okta group assignment confirmed' },
  accessConfirmation: { key: 'confirmation', title: 'A person confirmed the access of the clients registered at the RFC 7591 provider' },
  proof: { key: 'proof', title: 'Proof: token, introspection, gateway 401/200/403; people signing in (code + PKCE, implicit) when verification.signIn is set' },
} as const;

/** Placeholder in the SSO app until Anypoint hands out its redirect URI (Okta requires one for web apps). */
export const PENDING_REDIRECT_URI = 'http://localhost/pending-anypoint-redirect';

/** The write-back (CHECKS.ssoRedirectUri) is done when the SSO app has Anypoint's URI and no longer the placeholder. */
export function redirectUrisConverged(current: readonly string[], wanted: string): boolean {
  return current.includes(wanted) && !current.includes(PENDING_REDIRECT_URI);
}

const SANDBOX_ORG = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/**
 * Whether the onboarding creates the sign-in proof's users: on a sandbox org (an Okta URL on this machine)
 * unless the file says never, and on any other org only when it says always. People in a real org are the
 * org's admins' business.
 */
export function managesVerificationUsers(cfg: TenantConfig): boolean {
  const signIn = cfg.verification.signIn;
  if (!cfg.okta || !signIn || !cfg.verification.enabled) return false;
  return signIn.manageUsers === 'always' || (signIn.manageUsers === 'sandbox' && SANDBOX_ORG.test(cfg.okta.orgUrl));
}

/** The okta section of a row that only an Okta tenant selects. */
function okta(cfg: TenantConfig): NonNullable<TenantConfig['okta']> {
  if (!cfg.okta) throw new TypeError('an Okta step was asked about for a tenant without okta');
  return cfg.okta;
}

function identityProviderName(cfg: TenantConfig): string {
  return cfg.anypoint.identityProvider?.name ?? 'Okta';
}
