import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appByClientId } from './apps';
import { forbidden, notFound, OktaError, validationFailed } from './errors';
import { absolute, nowIso, objectBody, type OktaContext } from './http';
import type { OktaState } from './state';
import { userOr404 } from './users';

/*
 * Administrator roles (`GET /api/v1/users/{userId}/roles`, "List all user role assignments") and what
 * they allow: an API token acts with its admin's roles, so a token of an admin without a role that
 * manages a resource is refused at the write with 403 E0000006, while its reads (users/me included)
 * still answer. Which standard role may write what follows Okta's role descriptions:
 * authorization servers need a Super Administrator or an API Access Management Administrator; apps a
 * Super, Org or App Administrator; groups and users a Super, Org or Group Administrator (role type
 * `USER_ADMIN`: the spec's RoleType has no GROUP_ADMIN); a group's members also a Group Membership
 * Administrator; anything else a Super Administrator.
 *
 * The roles live in `adminRoles` by user id. A state file from before roles existed has no map: its
 * token owners count as Super Administrators, as the seed makes them.
 *
 * A service app (OAuth 2.0 for Okta) is an admin of its own: its bearer token may call what its `okta.*`
 * scopes allow *and* its admin roles allow, the roles an admin assigned to it (`POST
 * /oauth2/v1/clients/{clientId}/roles`, the console's "Admin roles" tab of the app). A new service app has
 * none, as in Okta, so each of its writes is 403 E0000006 until one is assigned. They live in
 * `clientAdminRoles` by client id.
 */

/** The standard role types of the spec's RoleType enum, with their labels. */
export const ROLE_LABELS: Record<string, string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organization Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  READ_ONLY_ADMIN: 'Read-only Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  MOBILE_ADMIN: 'Mobile Administrator',
  REPORT_ADMIN: 'Report Administrator',
  API_ADMIN: 'API Administrator',
  ACCESS_CERTIFICATIONS_ADMIN: 'Access Certifications Administrator',
  ACCESS_REQUESTS_ADMIN: 'Access Requests Administrator',
};

/** Longest prefix first: a group's membership before groups. */
const WRITERS: [pattern: RegExp, roles: string[]][] = [
  [/^\/api\/v1\/authorizationServers(\/|$)/, ['SUPER_ADMIN', 'API_ACCESS_MANAGEMENT_ADMIN']],
  [/^\/api\/v1\/apps(\/|$)/, ['SUPER_ADMIN', 'ORG_ADMIN', 'APP_ADMIN']],
  [/^\/api\/v1\/groups\/[^/]+\/users(\/|$)/, ['SUPER_ADMIN', 'ORG_ADMIN', 'USER_ADMIN', 'GROUP_MEMBERSHIP_ADMIN']],
  [/^\/api\/v1\/groups(\/|$)/, ['SUPER_ADMIN', 'ORG_ADMIN', 'USER_ADMIN']],
  [/^\/api\/v1\/users(\/|$)/, ['SUPER_ADMIN', 'ORG_ADMIN', 'USER_ADMIN']],
];

type RoleState = OktaState & { adminRoles?: Record<string, string[]> };

export function adminRolesOf(state: OktaState, userId: string): string[] {
  const roles = (state as RoleState).adminRoles;
  if (!roles) return state.apiTokens.some((t) => t.userId === userId) ? ['SUPER_ADMIN'] : [];
  return roles[userId] ?? [];
}

export function setAdminRoles(state: OktaState, userId: string, roles: string[]): void {
  const s = state as RoleState;
  if (!s.adminRoles) s.adminRoles = Object.fromEntries([...new Set(state.apiTokens.map((t) => t.userId))].map((id) => [id, ['SUPER_ADMIN']]));
  s.adminRoles[userId] = roles;
}

export function clientAdminRolesOf(state: OktaState, clientId: string): string[] {
  return state.clientAdminRoles?.[clientId] ?? [];
}

export function setClientAdminRoles(state: OktaState, clientId: string, roles: string[]): void {
  (state.clientAdminRoles ??= {})[clientId] = roles;
}

/** The roles of whoever sent the request: the API token's admin or the bearer token's service app. */
function requesterRoles(ctx: OktaContext, req: FastifyRequest): string[] | undefined {
  if (req.oktaApiToken) return adminRolesOf(ctx.state, req.oktaApiToken.userId);
  if (req.oktaServiceClient) return clientAdminRolesOf(ctx.state, req.oktaServiceClient.clientId);
  return undefined;
}

/** Refuses a write whose token's admin (user or service app) has no role allowed to make it (reads are never refused here). */
export function requireAdminRoleForWrites(app: FastifyInstance, ctx: OktaContext): void {
  app.addHook('preHandler', async (req: FastifyRequest) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const roles = requesterRoles(ctx, req);
    if (!roles) return;
    // The route's path as Fastify matched it: a doubled slash (an orgUrl ending in '/') is the same route.
    const path = req.url.split('?')[0].replace(/\/{2,}/g, '/');
    const allowed = WRITERS.find(([pattern]) => pattern.test(path))?.[1] ?? ['SUPER_ADMIN'];
    if (!roles.some((r) => allowed.includes(r))) throw forbidden();
  });
}

interface Assignee {
  /** Stable tail of the role assignment ids (the same role of the same assignee keeps its id). */
  idTail: string;
  created: string;
  assignmentType: 'USER' | 'CLIENT';
  href: string;
}

function renderRole(type: string, assignee: Assignee) {
  return {
    id: `ra1${type.toLowerCase().replace(/_/g, '')}${assignee.idTail}`,
    label: ROLE_LABELS[type] ?? type,
    type,
    status: 'ACTIVE',
    created: assignee.created,
    lastUpdated: nowIso(),
    assignmentType: assignee.assignmentType,
    _links: { assignee: { href: assignee.href } },
  };
}

function clientAssignee(ctx: OktaContext, clientId: string): Assignee {
  const app = appByClientId(ctx.state, clientId);
  if (!app) throw notFound(clientId, 'OAuth2Client');
  // The spec's example links a client's assignment to the client's role list.
  return { idTail: app.clientId.slice(-6), created: app.created, assignmentType: 'CLIENT', href: absolute(ctx, `/oauth2/v1/clients/${app.clientId}/roles`) };
}

export function registerAdminRoles(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: { userId: string } }>('/api/v1/users/:userId/roles', async function listAssignedRolesForUser(req) {
    const userId = req.params.userId === 'me' && req.oktaApiToken ? req.oktaApiToken.userId : req.params.userId;
    const user = userOr404(ctx, userId);
    const assignee: Assignee = { idTail: user.id.slice(-6), created: user.created, assignmentType: 'USER', href: absolute(ctx, `/api/v1/users/${user.id}`) };
    return adminRolesOf(ctx.state, user.id).map((type) => renderRole(type, assignee));
  });

  app.get<{ Params: { clientId: string } }>('/oauth2/v1/clients/:clientId/roles', async function listRolesForClient(req) {
    const assignee = clientAssignee(ctx, req.params.clientId);
    return clientAdminRolesOf(ctx.state, req.params.clientId).map((type) => renderRole(type, assignee));
  });

  // Standard roles only (the spec's StandardRoleAssignmentSchema, `{ "type": "APP_ADMIN" }`); custom roles and resource sets are not emulated.
  app.post<{ Params: { clientId: string } }>('/oauth2/v1/clients/:clientId/roles', async function assignRoleToClient(req) {
    const assignee = clientAssignee(ctx, req.params.clientId);
    const type = objectBody(req.body).type;
    if (typeof type !== 'string' || !(type in ROLE_LABELS)) throw validationFailed([{ field: 'type', message: `'${String(type)}' is not one of ${Object.keys(ROLE_LABELS).join(', ')}` }]);
    const roles = clientAdminRolesOf(ctx.state, req.params.clientId);
    // Okta's error catalogue: E0000090, "The role specification is already assigned to the user" (409).
    if (roles.includes(type)) throw new OktaError(409, 'E0000090', 'Duplicate administrator role exception', ['The role specification is already assigned to the client.']);
    setClientAdminRoles(ctx.state, req.params.clientId, [...roles, type]);
    return renderRole(type, assignee);
  });
}
