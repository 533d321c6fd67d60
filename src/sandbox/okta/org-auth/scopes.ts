/*
 * The Okta API scopes of the org authorization server ("OAuth 2.0 for Okta") that the sandbox knows, and
 * which one a management request needs. Okta's rule: a `.read` scope allows GETs, the `.manage` scope
 * allows everything (it includes read). A path no entry covers needs a scope the sandbox cannot grant,
 * so a bearer token is refused there (deny by default), as an unlisted API is for a real service app.
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
  { prefix: '/api/v1/users', base: 'okta.users' },
  { prefix: '/api/v1/logs', base: 'okta.logs', readOnly: true },
  { prefix: '/oauth2/v1/clients/:clientId/roles', base: 'okta.roles' },
  { prefix: '/oauth2/v1/clients', base: 'okta.clients' },
];

/** Every `okta.*` scope the org authorization server issues (`okta.clients.register` is DCR's own). */
export const OKTA_API_SCOPES: string[] = [
  ...RESOURCES.flatMap((r) => (r.readOnly ? [`${r.base}.read`] : [`${r.base}.read`, `${r.base}.manage`])),
  'okta.clients.register',
].sort();

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
