/*
 * The Okta API scopes of the org authorization server ("OAuth 2.0 for Okta"), and which one a management
 * request needs (the scope the spec's `security` names for the route). Okta's rule: a `.read` scope allows
 * GETs, the `.manage` scope allows everything (it includes read). A path no entry covers is refused to a
 * bearer token whatever its scopes (deny by default).
 */

interface ScopedResource {
  /** First path segments the rule covers; the longest match wins (`/api/v1/apps/:appId/grants` before `/api/v1/apps`). */
  prefix: string;
  /** `okta.<resource>`: the scope names are `<base>.read` and `<base>.manage`. */
  base: string;
  /** Resources that only have a read scope (the System Log). */
  readOnly?: boolean;
}

const RESOURCES: ScopedResource[] = [
  { prefix: '/api/v1/apps/:appId/grants', base: 'okta.appGrants' },
  { prefix: '/api/v1/apps', base: 'okta.apps' },
  { prefix: '/api/v1/groups', base: 'okta.groups' },
  { prefix: '/api/v1/authorizationServers', base: 'okta.authorizationServers' },
  // listAssignedRolesForUser: the spec's security names okta.roles.read, not okta.users.read.
  { prefix: '/api/v1/users/:userId/roles', base: 'okta.roles' },
  { prefix: '/api/v1/users', base: 'okta.users' },
  { prefix: '/api/v1/logs', base: 'okta.logs', readOnly: true },
  { prefix: '/oauth2/v1/clients/:clientId/roles', base: 'okta.roles' },
  { prefix: '/oauth2/v1/clients', base: 'okta.clients' },
];

/**
 * The `okta.*` scopes of the management spec's `oauth2` security scheme, and the Client API's
 * (`okta.clients.*`, in the OAuth spec): the ones an admin may grant and the org server issues. Granting
 * one of these whose API the sandbox does not emulate is accepted; its token just finds nothing it allows.
 */
const SPEC_OKTA_SCOPES = [
  'okta.agentPools.manage', 'okta.agentPools.read', 'okta.apiTokens.manage', 'okta.apiTokens.read',
  'okta.appGrants.manage', 'okta.appGrants.read', 'okta.apps.interclientTrust.manage',
  'okta.apps.interclientTrust.read', 'okta.apps.manage', 'okta.apps.read', 'okta.authenticators.manage',
  'okta.authenticators.read', 'okta.authorizationServers.manage', 'okta.authorizationServers.read',
  'okta.behaviors.manage', 'okta.behaviors.read', 'okta.botProtection.manage', 'okta.botProtection.read',
  'okta.brands.manage', 'okta.brands.read', 'okta.captchas.manage', 'okta.captchas.read',
  'okta.customTelephonyProvider.manage', 'okta.customTelephonyProvider.read', 'okta.deviceAssurance.manage',
  'okta.deviceAssurance.read', 'okta.deviceIntegrations.manage', 'okta.deviceIntegrations.read',
  'okta.devicePostureChecks.manage', 'okta.devicePostureChecks.read', 'okta.devices.manage', 'okta.devices.read',
  'okta.directories.groups.manage', 'okta.directories.groups.read', 'okta.domains.manage', 'okta.domains.read',
  'okta.dr.manage', 'okta.dr.read', 'okta.emailDomains.manage', 'okta.emailDomains.read', 'okta.emailServers.manage',
  'okta.emailServers.read', 'okta.eventHooks.manage', 'okta.eventHooks.read', 'okta.features.manage',
  'okta.features.read', 'okta.groups.manage', 'okta.groups.read', 'okta.identitySources.manage',
  'okta.identitySources.read', 'okta.idps.manage', 'okta.idps.read', 'okta.inlineHooks.manage',
  'okta.inlineHooks.read', 'okta.linkedObjects.manage', 'okta.linkedObjects.read', 'okta.logStreams.manage',
  'okta.logStreams.read', 'okta.logs.read', 'okta.networkZones.manage', 'okta.networkZones.read',
  'okta.oauthIntegrations.manage', 'okta.oauthIntegrations.read', 'okta.orgs.manage', 'okta.orgs.read',
  'okta.personal.adminSettings.manage', 'okta.personal.adminSettings.read', 'okta.policies.manage',
  'okta.policies.read', 'okta.principalRateLimits.manage', 'okta.principalRateLimits.read',
  'okta.profileMappings.manage', 'okta.profileMappings.read', 'okta.pushProviders.manage', 'okta.pushProviders.read',
  'okta.rateLimits.manage', 'okta.rateLimits.read', 'okta.realmAssignments.manage', 'okta.realmAssignments.read',
  'okta.realms.manage', 'okta.realms.read', 'okta.roles.manage', 'okta.roles.read', 'okta.schemas.manage',
  'okta.schemas.read', 'okta.securityEventsProviders.manage', 'okta.securityEventsProviders.read',
  'okta.serviceAccounts.manage', 'okta.serviceAccounts.okta.manage', 'okta.serviceAccounts.okta.read',
  'okta.serviceAccounts.read', 'okta.sessions.manage', 'okta.sessions.read', 'okta.templates.manage',
  'okta.templates.read', 'okta.threatInsights.manage', 'okta.threatInsights.read', 'okta.trustedOrigins.manage',
  'okta.trustedOrigins.read', 'okta.uischemas.manage', 'okta.uischemas.read', 'okta.userRisk.manage',
  'okta.userRisk.read', 'okta.userTypes.manage', 'okta.userTypes.read', 'okta.users.manage', 'okta.users.read',
  'okta.clients.manage', 'okta.clients.read', 'okta.clients.register',
];

/** Every `okta.*` scope the org authorization server issues (`okta.clients.register` is DCR's own). */
export const OKTA_API_SCOPES: string[] = [...SPEC_OKTA_SCOPES].sort();

export interface ScopeRequirement {
  /** Any one of these scopes lets the request through. */
  anyOf: string[];
  /** The scope to name in `WWW-Authenticate` (the least one that would do). */
  needed: string;
}

/** What a request with this method on this route pattern (Fastify's `routeOptions.url`) needs. */
export function requiredScope(method: string, routeUrl: string): ScopeRequirement | undefined {
  const resource = RESOURCES.filter((r) => routeUrl === r.prefix || routeUrl.startsWith(`${r.prefix}/`)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (!resource) return undefined;
  const read = `${resource.base}.read`;
  const manage = `${resource.base}.manage`;
  if (method === 'GET' || method === 'HEAD') return { anyOf: resource.readOnly ? [read] : [read, manage], needed: read };
  if (resource.readOnly) return undefined;
  // Registering a client (DCR) has its own narrower scope.
  if (resource.base === 'okta.clients' && method === 'POST' && routeUrl === resource.prefix) return { anyOf: ['okta.clients.register', manage], needed: 'okta.clients.register' };
  return { anyOf: [manage], needed: manage };
}
