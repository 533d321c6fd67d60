import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden } from './errors';
import { absolute, nowIso, type OktaContext } from './http';
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

/** Refuses a write whose token's admin has no role allowed to make it (reads are never refused here). */
export function requireAdminRoleForWrites(app: FastifyInstance, ctx: OktaContext): void {
  app.addHook('preHandler', async (req: FastifyRequest) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.oktaApiToken) return;
    // The route's path as Fastify matched it: a doubled slash (an orgUrl ending in '/') is the same route.
    const path = req.url.split('?')[0].replace(/\/{2,}/g, '/');
    const allowed = WRITERS.find(([pattern]) => pattern.test(path))?.[1] ?? ['SUPER_ADMIN'];
    const roles = adminRolesOf(ctx.state, req.oktaApiToken.userId);
    if (!roles.some((r) => allowed.includes(r))) throw forbidden();
  });
}

export function registerAdminRoles(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: { userId: string } }>('/api/v1/users/:userId/roles', async (req) => {
    const userId = req.params.userId === 'me' && req.oktaApiToken ? req.oktaApiToken.userId : req.params.userId;
    const user = userOr404(ctx, userId);
    const at = user.created;
    return adminRolesOf(ctx.state, user.id).map((type) => ({
      id: `ra1${type.toLowerCase().replace(/_/g, '')}${user.id.slice(-6)}`,
      label: ROLE_LABELS[type] ?? type,
      type,
      status: 'ACTIVE',
      created: at,
      lastUpdated: nowIso(),
      assignmentType: 'USER',
      _links: { assignee: { href: absolute(ctx, `/api/v1/users/${user.id}`) } },
    }));
  });
}
