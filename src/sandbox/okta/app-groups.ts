import type { FastifyInstance } from 'fastify';
import { notFound, validationFailed } from './errors';
import { absolute, clone, isRecord, nextSeq, nowIso, objectBody, type OktaContext } from './http';
import { paginate } from './pagination';
import { appOr404 } from './apps';
import { groupOr404, groupsOfUser, renderGroup } from './groups';
import { logEvent, target, appTarget } from './system-log';
import { userOr404 } from './users';
import type { AppGroupAssignmentRecord, AppRecord, AppUserRecord, OktaState, UserRecord } from './state';

/*
 * Who may use an app: group assignments (`/api/v1/apps/{appId}/groups/{groupId}`) and direct user
 * assignments (`/api/v1/apps/{appId}/users/{userId}`). A user reaches an app directly or through any group
 * assigned to it (the Everyone group included); /v1/authorize refuses users who don't. Group assignment
 * has no effect on client_credentials tokens (those are decided by access policies only).
 * PUT of a group assignment is idempotent: it assigns again and replaces priority and profile.
 */

/** Is `user` assigned to `app`, directly or through one of its groups? */
export function isUserAssigned(state: OktaState, app: AppRecord, user: UserRecord): boolean {
  if (state.appUsers[app.id]?.[user.id]) return true;
  const assigned = state.appGroups[app.id] ?? {};
  return groupsOfUser(state, user.id).some((g) => assigned[g.id]);
}

function renderAssignment(ctx: OktaContext, appId: string, a: AppGroupAssignmentRecord, expand?: string) {
  const rendered: Record<string, unknown> = {
    id: a.id,
    priority: a.priority,
    lastUpdated: a.lastUpdated,
    profile: clone(a.profile),
    _links: {
      app: { href: absolute(ctx, `/api/v1/apps/${appId}`) },
      self: { href: absolute(ctx, `/api/v1/apps/${appId}/groups/${a.id}`) },
      group: { href: absolute(ctx, `/api/v1/groups/${a.id}`) },
    },
  };
  const group = ctx.state.groups[a.id];
  if (expand === 'group' && group) rendered._embedded = { group: renderGroup(ctx, group) };
  return rendered;
}

function renderAppUser(ctx: OktaContext, app: AppRecord, user: UserRecord, direct: AppUserRecord | undefined) {
  const at = direct?.created ?? user.created;
  return {
    id: user.id,
    created: at,
    lastUpdated: direct?.lastUpdated ?? at,
    scope: direct ? 'USER' : 'GROUP',
    status: user.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
    statusChanged: direct?.statusChanged ?? at,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: user.profile.login, ...clone(direct?.credentials ?? {}) },
    profile: clone(direct?.profile ?? {}),
    _links: {
      app: { href: absolute(ctx, `/api/v1/apps/${app.id}`) },
      user: { href: absolute(ctx, `/api/v1/users/${user.id}`) },
    },
  };
}

function readPriority(body: Record<string, unknown>, fallback: number): number {
  if (body.priority === undefined) return fallback;
  if (typeof body.priority !== 'number' || !Number.isInteger(body.priority) || body.priority < 0) {
    throw validationFailed([{ field: 'priority', message: 'The priority must be a non-negative integer' }]);
  }
  return body.priority;
}

type AssignmentParams = { appId: string; groupId: string; userId: string };

export function registerAppAssignments(app: FastifyInstance, ctx: OktaContext): void {
  const assignmentsOf = (appId: string) => (ctx.state.appGroups[appId] ??= {});

  app.get<{ Params: AssignmentParams; Querystring: { q?: string; expand?: string } }>('/api/v1/apps/:appId/groups', async function listApplicationGroupAssignments(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    let assignments = Object.values(ctx.state.appGroups[application.id] ?? {});
    const q = req.query.q?.toLowerCase();
    if (q) assignments = assignments.filter((a) => ctx.state.groups[a.id]?.profile.name.toLowerCase().startsWith(q));
    return paginate(ctx, req, reply, assignments, { defaultLimit: 20, minLimit: 20, maxLimit: 200 }).map((a) => renderAssignment(ctx, application.id, a, req.query.expand));
  });

  app.put<{ Params: AssignmentParams }>('/api/v1/apps/:appId/groups/:groupId', async function assignGroupToApplication(req) {
    const application = appOr404(ctx, req.params.appId);
    const group = groupOr404(ctx, req.params.groupId);
    const body = objectBody(req.body);
    const assignments = assignmentsOf(application.id);
    const existing = assignments[group.id];
    const assignment: AppGroupAssignmentRecord = {
      id: group.id,
      seq: existing?.seq ?? nextSeq(ctx.state),
      priority: readPriority(body, existing?.priority ?? Object.keys(assignments).length),
      profile: isRecord(body.profile) ? body.profile : existing?.profile ?? {},
      lastUpdated: nowIso(),
    };
    assignments[group.id] = assignment;
    logEvent(ctx, req, {
      eventType: existing ? 'group.application_assignment.update' : 'group.application_assignment.add',
      displayMessage: existing ? 'Update app assignment for group' : 'Add assigned application to group',
      target: [appTarget(application), target(group.id, 'UserGroup', group.profile.name)],
    });
    return renderAssignment(ctx, application.id, assignment);
  });

  app.get<{ Params: AssignmentParams; Querystring: { expand?: string } }>('/api/v1/apps/:appId/groups/:groupId', async function getApplicationGroupAssignment(req) {
    const application = appOr404(ctx, req.params.appId);
    const assignment = ctx.state.appGroups[application.id]?.[req.params.groupId];
    if (!assignment) throw notFound(req.params.groupId, 'ApplicationGroupAssignment');
    return renderAssignment(ctx, application.id, assignment, req.query.expand);
  });

  // JSON Patch on priority and profile, the two writable parts of an assignment.
  app.patch<{ Params: AssignmentParams }>('/api/v1/apps/:appId/groups/:groupId', async function updateGroupAssignmentToApplication(req) {
    const application = appOr404(ctx, req.params.appId);
    const assignment = ctx.state.appGroups[application.id]?.[req.params.groupId];
    if (!assignment) throw notFound(req.params.groupId, 'ApplicationGroupAssignment');
    const ops = Array.isArray(req.body) ? (req.body as unknown[]) : [];
    for (const op of ops) {
      if (!isRecord(op) || typeof op.path !== 'string' || !['add', 'replace', 'remove'].includes(op.op as string)) {
        throw validationFailed([{ field: 'jsonPatchOperation', message: 'Each operation needs op (add, replace or remove) and path' }]);
      }
      if (op.path === '/priority' && op.op !== 'remove') assignment.priority = readPriority({ priority: op.value }, assignment.priority);
      else if (op.path.startsWith('/profile/')) {
        const key = op.path.slice('/profile/'.length);
        if (op.op === 'remove') delete assignment.profile[key];
        else assignment.profile[key] = op.value;
      } else throw validationFailed([{ field: 'jsonPatchOperation', message: `Unsupported path ${op.path}` }]);
    }
    assignment.lastUpdated = nowIso();
    return renderAssignment(ctx, application.id, assignment);
  });

  app.delete<{ Params: AssignmentParams }>('/api/v1/apps/:appId/groups/:groupId', async function unassignApplicationFromGroup(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    const group = groupOr404(ctx, req.params.groupId);
    const assignments = ctx.state.appGroups[application.id];
    if (assignments?.[group.id]) {
      delete assignments[group.id];
      logEvent(ctx, req, { eventType: 'group.application_assignment.remove', displayMessage: 'Remove assigned application from group', target: [appTarget(application), target(group.id, 'UserGroup', group.profile.name)] });
    }
    return reply.code(204).send();
  });

  // Direct user assignments, listed together with users who reach the app through a group (scope GROUP).
  const effectiveUsers = (a: AppRecord): UserRecord[] => Object.values(ctx.state.users).filter((u) => isUserAssigned(ctx.state, a, u));

  app.get<{ Params: AssignmentParams; Querystring: { q?: string } }>('/api/v1/apps/:appId/users', async function listApplicationUsers(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    let users = effectiveUsers(application);
    const q = req.query.q?.toLowerCase();
    if (q) users = users.filter((u) => [u.profile.login, u.profile.firstName, u.profile.lastName, u.profile.email].some((f) => f.toLowerCase().startsWith(q)));
    const direct = ctx.state.appUsers[application.id] ?? {};
    return paginate(ctx, req, reply, users, { defaultLimit: 50, maxLimit: 500 }, (id) => ctx.state.users[id]).map((u) => renderAppUser(ctx, application, u, direct[u.id]));
  });

  app.post<{ Params: AssignmentParams }>('/api/v1/apps/:appId/users', async function assignUserToApplication(req) {
    const application = appOr404(ctx, req.params.appId);
    const body = objectBody(req.body);
    if (typeof body.id !== 'string') throw validationFailed([{ field: 'id', message: 'The field cannot be left blank' }]);
    const user = userOr404(ctx, body.id);
    const byUser = (ctx.state.appUsers[application.id] ??= {});
    const at = nowIso();
    const record: AppUserRecord = byUser[user.id] ?? { id: user.id, seq: nextSeq(ctx.state), scope: 'USER', created: at, lastUpdated: at, statusChanged: at, profile: {} };
    if (isRecord(body.credentials)) record.credentials = body.credentials;
    if (isRecord(body.profile)) record.profile = body.profile;
    record.lastUpdated = at;
    byUser[user.id] = record;
    logEvent(ctx, req, { eventType: 'application.user_membership.add', displayMessage: 'Add user to application membership', target: [appTarget(application), target(user.id, 'User', user.profile.login)] });
    return renderAppUser(ctx, application, user, record);
  });

  app.get<{ Params: AssignmentParams }>('/api/v1/apps/:appId/users/:userId', async function getApplicationUser(req) {
    const application = appOr404(ctx, req.params.appId);
    const user = userOr404(ctx, req.params.userId);
    if (!isUserAssigned(ctx.state, application, user)) throw notFound(req.params.userId, 'AppUser');
    return renderAppUser(ctx, application, user, ctx.state.appUsers[application.id]?.[user.id]);
  });

  app.delete<{ Params: AssignmentParams }>('/api/v1/apps/:appId/users/:userId', async function unassignUserFromApplication(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    const user = userOr404(ctx, req.params.userId);
    const byUser = ctx.state.appUsers[application.id];
    if (!byUser?.[user.id]) throw notFound(req.params.userId, 'AppUser');
    delete byUser[user.id];
    logEvent(ctx, req, { eventType: 'application.user_membership.remove', displayMessage: 'Remove user from application membership', target: [appTarget(application), target(user.id, 'User', user.profile.login)] });
    return reply.code(204).send();
  });
}
