import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oktaId } from '../core';
import { ALREADY_EXISTS, forbidden, notFound, Validation } from './errors';
import { compileFilter, compileRestrictedFilter, readPath } from './filter';
import { indexed } from './search-lag';
import { absolute, isRecord, nextSeq, nowIso, objectBody, type OktaContext } from './http';
import { paginate, rememberDeleted } from './pagination';
import { logEvent, target } from './system-log';
import { renderUser, userOr404 } from './users';
import { renderApp } from './apps';
import type { GroupRecord, OktaState, UserRecord } from './state';

/*
 * Groups (`/api/v1/groups`) and their members. Names are unique across OKTA_GROUP and BUILT_IN groups
 * (400 E0000001 on a duplicate). Every org has the BUILT_IN "Everyone" group: all users are members, it
 * cannot be renamed, deleted or have members added or removed.
 *
 * Listing follows the spec's parameter notes: `q` is a case-insensitive starts-with match on the name,
 * up to 300 results and never paged; `search` takes any filter expression and pages; `filter` only
 * supports id, type, lastUpdated and lastMembershipUpdated. The sandbox's search index reads the live
 * state unless a search lag is set (search-lag.ts): real Okta's may trail by seconds.
 */

const FILTERABLE = ['id', 'type', 'lastUpdated', 'lastMembershipUpdated'];

export function isMember(group: GroupRecord, userId: string): boolean {
  return group.type === 'BUILT_IN' || group.members.includes(userId);
}

/** Groups a user belongs to, Everyone included. */
export function groupsOfUser(state: OktaState, userId: string): GroupRecord[] {
  return Object.values(state.groups).filter((g) => isMember(g, userId));
}

export function everyoneGroup(state: OktaState): GroupRecord | undefined {
  return Object.values(state.groups).find((g) => g.type === 'BUILT_IN');
}

/*
 * Names are checked on every create, so they are indexed. The index is derived data (never persisted):
 * built from the state on first use, per state object (a reset or a restart starts a new one), and kept
 * up to date by the three handlers that change names: add, replace, delete.
 */
const nameIndexes = new WeakMap<OktaState, Map<string, string>>();

function nameIndex(state: OktaState): Map<string, string> {
  let index = nameIndexes.get(state);
  if (!index) {
    index = new Map();
    for (const g of Object.values(state.groups)) if (g.type !== 'APP_GROUP') index.set(g.profile.name, g.id);
    nameIndexes.set(state, index);
  }
  return index;
}

export function groupOr404(ctx: OktaContext, id: string): GroupRecord {
  const group = ctx.state.groups[id];
  if (!group) throw notFound(id, 'UserGroup');
  return group;
}

/** The document search/filter expressions are evaluated against (what the API renders, minus links). */
function searchable(g: GroupRecord) {
  return { id: g.id, created: g.created, lastUpdated: g.lastUpdated, lastMembershipUpdated: g.lastMembershipUpdated, type: g.type, profile: g.profile, objectClass: ['okta:user_group'] };
}

function membersOf(state: OktaState, group: GroupRecord): UserRecord[] {
  if (group.type === 'BUILT_IN') return Object.values(state.users);
  return group.members.map((id) => state.users[id]).filter((u): u is UserRecord => !!u).sort((a, b) => a.seq - b.seq);
}

export function renderGroup(ctx: OktaContext, g: GroupRecord, expand?: string) {
  const logo = (name: string) => ({ name, href: absolute(ctx, `/img/logos/groups/okta-${name}.png`), type: 'image/png' });
  const rendered: Record<string, unknown> = {
    ...searchable(g),
    profile: { ...g.profile },
    _links: {
      logo: [logo('medium'), logo('large')],
      users: { href: absolute(ctx, `/api/v1/groups/${g.id}/users`) },
      apps: { href: absolute(ctx, `/api/v1/groups/${g.id}/apps`) },
    },
  };
  if (expand?.split(',').includes('stats')) {
    const state = ctx.state;
    rendered._embedded = {
      stats: {
        usersCount: membersOf(state, g).length,
        appsCount: Object.values(state.appGroups).filter((byGroup) => byGroup[g.id]).length,
        groupPushMappingsCount: 0,
        hasAdminPrivilege: false,
      },
    };
  }
  return rendered;
}

function readGroupProfile(ctx: OktaContext, body: Record<string, unknown>, existing?: GroupRecord) {
  const v = new Validation();
  const profile = isRecord(body.profile) ? body.profile : undefined;
  if (!profile) v.add('profile', 'The field cannot be left blank');
  const name = typeof profile?.name === 'string' ? profile.name : undefined;
  v.required('name', name).maxLength('name', name, 255).maxLength('description', profile?.description, 1024);
  const holder = name ? nameIndex(ctx.state).get(name) : undefined;
  if (holder && holder !== existing?.id) v.add('name', ALREADY_EXISTS);
  v.throwIfFailed();
  // The spec types description as a string: a group without one has none rather than null.
  const { description, ...rest } = profile as Record<string, unknown>;
  return { ...rest, name: name as string, ...(typeof description === 'string' ? { description } : {}) };
}

type GroupParams = { groupId: string; userId: string };
interface ListGroupsQuery {
  q?: string;
  search?: string;
  filter?: string;
  expand?: string;
  sortBy?: string;
  sortOrder?: string;
}

function listGroups(ctx: OktaContext, req: FastifyRequest<{ Querystring: ListGroupsQuery }>, reply: FastifyReply) {
  const { q, search, filter, expand, sortBy, sortOrder } = req.query;
  let groups = indexed(ctx, Object.values(ctx.state.groups));
  if (search) {
    const compiled = compileFilter(search);
    groups = groups.filter((g) => compiled.test(searchable(g)));
    if (sortBy) {
      const dir = sortOrder === 'desc' ? -1 : 1;
      groups = [...groups].sort((a, b) => {
        const x = String(readPath(searchable(a), sortBy) ?? '');
        const y = String(readPath(searchable(b), sortBy) ?? '');
        return x === y ? (a.id < b.id ? -1 : 1) * dir : (x < y ? -1 : 1) * dir;
      });
    }
  }
  if (filter) {
    const compiled = compileRestrictedFilter(filter, FILTERABLE);
    groups = groups.filter((g) => compiled.test(searchable(g)));
  }
  if (q !== undefined) {
    const prefix = q.toLowerCase();
    groups = groups.filter((g) => g.profile.name.toLowerCase().startsWith(prefix));
    return paginate(ctx, req, reply, groups, { defaultLimit: 300, maxLimit: 10_000, paged: false }).map((g) => renderGroup(ctx, g, expand));
  }
  return paginate(ctx, req, reply, groups, { defaultLimit: 10_000, maxLimit: 10_000 }, (id) => ctx.state.groups[id]).map((g) => renderGroup(ctx, g, expand));
}

export function registerGroups(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Querystring: ListGroupsQuery }>('/api/v1/groups', async function listGroupsHandler(req, reply) {
    return listGroups(ctx, req, reply);
  });

  app.post('/api/v1/groups', async function addGroup(req) {
    const profile = readGroupProfile(ctx, objectBody(req.body));
    const at = nowIso();
    const group: GroupRecord = { id: oktaId('00g'), seq: nextSeq(ctx.state), created: at, lastUpdated: at, lastMembershipUpdated: at, type: 'OKTA_GROUP', profile, members: [] };
    ctx.state.groups[group.id] = group;
    nameIndex(ctx.state).set(group.profile.name, group.id);
    logEvent(ctx, req, { eventType: 'group.lifecycle.create', displayMessage: 'Create Okta group', target: [target(group.id, 'UserGroup', group.profile.name)] });
    return renderGroup(ctx, group);
  });

  app.get<{ Params: GroupParams; Querystring: { expand?: string } }>('/api/v1/groups/:groupId', async function getGroup(req) {
    return renderGroup(ctx, groupOr404(ctx, req.params.groupId), req.query.expand);
  });

  app.put<{ Params: GroupParams }>('/api/v1/groups/:groupId', async function replaceGroup(req) {
    const group = groupOr404(ctx, req.params.groupId);
    if (group.type !== 'OKTA_GROUP') throw forbidden(`${group.profile.name}: Only OKTA_GROUP groups can be modified`);
    const profile = readGroupProfile(ctx, objectBody(req.body), group);
    nameIndex(ctx.state).delete(group.profile.name);
    group.profile = profile;
    nameIndex(ctx.state).set(profile.name, group.id);
    group.lastUpdated = nowIso();
    logEvent(ctx, req, { eventType: 'group.profile.update', displayMessage: 'Update Okta group profile', target: [target(group.id, 'UserGroup', group.profile.name)] });
    return renderGroup(ctx, group);
  });

  app.delete<{ Params: GroupParams }>('/api/v1/groups/:groupId', async function deleteGroup(req, reply) {
    const group = groupOr404(ctx, req.params.groupId);
    if (group.type === 'BUILT_IN') throw forbidden(`${group.profile.name}: The Everyone group cannot be deleted`);
    delete ctx.state.groups[group.id];
    nameIndex(ctx.state).delete(group.profile.name);
    rememberDeleted(ctx, group);
    for (const byGroup of Object.values(ctx.state.appGroups)) delete byGroup[group.id];
    logEvent(ctx, req, { eventType: 'group.lifecycle.delete', displayMessage: 'Delete Okta group', target: [target(group.id, 'UserGroup', group.profile.name)] });
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams }>('/api/v1/groups/:groupId/users', async function listGroupUsers(req, reply) {
    const group = groupOr404(ctx, req.params.groupId);
    return paginate(ctx, req, reply, membersOf(ctx.state, group), { defaultLimit: 1000, maxLimit: 10_000 }, (id) => ctx.state.users[id]).map((u) => renderUser(ctx, u));
  });

  app.put<{ Params: GroupParams }>('/api/v1/groups/:groupId/users/:userId', async function assignUserToGroup(req, reply) {
    const group = groupOr404(ctx, req.params.groupId);
    const user = userOr404(ctx, req.params.userId);
    if (group.type !== 'OKTA_GROUP') throw forbidden(`${group.profile.name}: Membership of ${group.type} groups is managed by Okta`);
    if (!group.members.includes(user.id)) {
      group.members.push(user.id);
      group.lastMembershipUpdated = nowIso();
      logEvent(ctx, req, { eventType: 'group.user_membership.add', displayMessage: 'Add user to group membership', target: [target(user.id, 'User', user.profile.login), target(group.id, 'UserGroup', group.profile.name)] });
    }
    return reply.code(204).send();
  });

  app.delete<{ Params: GroupParams }>('/api/v1/groups/:groupId/users/:userId', async function unassignUserFromGroup(req, reply) {
    const group = groupOr404(ctx, req.params.groupId);
    const user = userOr404(ctx, req.params.userId);
    if (group.type !== 'OKTA_GROUP') throw forbidden(`${group.profile.name}: Membership of ${group.type} groups is managed by Okta`);
    if (group.members.includes(user.id)) {
      group.members = group.members.filter((id) => id !== user.id);
      group.lastMembershipUpdated = nowIso();
      logEvent(ctx, req, { eventType: 'group.user_membership.remove', displayMessage: 'Remove user from group membership', target: [target(user.id, 'User', user.profile.login), target(group.id, 'UserGroup', group.profile.name)] });
    }
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams }>('/api/v1/groups/:groupId/apps', async function listAssignedApplicationsForGroup(req, reply) {
    const group = groupOr404(ctx, req.params.groupId);
    const apps = Object.values(ctx.state.apps).filter((a) => ctx.state.appGroups[a.id]?.[group.id]);
    return paginate(ctx, req, reply, apps, { defaultLimit: 20, maxLimit: 200 }, (id) => ctx.state.apps[id]).map((a) => renderApp(ctx, a));
  });
}
