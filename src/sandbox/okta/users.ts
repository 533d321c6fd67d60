import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { oktaId, randomAlphanumeric } from '../core';
import { ALREADY_EXISTS, notFound, validationFailed, Validation } from './errors';
import { compileFilter } from './filter';
import { absolute, booleanParam, isRecord, nextSeq, nowIso, objectBody, stringArray, type OktaContext } from './http';
import { paginate, rememberDeleted } from './pagination';
import { logEvent, target } from './system-log';
import type { OktaState, UserRecord, UserStatus } from './state';

/*
 * Users (`/api/v1/users`): enough of the lifecycle for sign-in through /v1/authorize (which accepts only
 * ACTIVE users) and for `GET /api/v1/users/me`, the product's token preflight.
 *
 * Creation follows Okta's lifecycle: `activate=true` (the default) with a password gives ACTIVE, without a
 * password PROVISIONED (Okta would email an activation link); `activate=false` gives STAGED. Deleting an
 * ACTIVE user deactivates it (DEPROVISIONED); a second delete removes it, as in Okta. Lists leave out
 * DEPROVISIONED users unless a filter or search asks about status.
 */

/** Okta's default user type id on every org. */
const DEFAULT_USER_TYPE = 'oty1sandboxDefault00';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const hashPassword = (value: string): string => createHash('sha256').update(value).digest('hex');

export function findUser(state: OktaState, idOrLogin: string): UserRecord | undefined {
  const byId = state.users[idOrLogin];
  if (byId) return byId;
  const login = idOrLogin.toLowerCase();
  return Object.values(state.users).find((u) => u.profile.login.toLowerCase() === login);
}

export function userOr404(ctx: OktaContext, idOrLogin: string): UserRecord {
  const user = findUser(ctx.state, idOrLogin);
  if (!user) throw notFound(idOrLogin, 'User');
  return user;
}

export function renderUser(ctx: OktaContext, u: UserRecord) {
  const self = absolute(ctx, `/api/v1/users/${u.id}`);
  const links: Record<string, unknown> = { self: { href: self } };
  if (u.status === 'ACTIVE') links.deactivate = { href: `${self}/lifecycle/deactivate`, method: 'POST' };
  else links.activate = { href: `${self}/lifecycle/activate`, method: 'POST' };
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated,
    statusChanged: u.statusChanged,
    lastLogin: null,
    lastUpdated: u.lastUpdated,
    passwordChanged: u.passwordChanged,
    type: { id: DEFAULT_USER_TYPE },
    profile: { ...u.profile },
    credentials: { ...(u.passwordHash ? { password: {} } : {}), provider: { type: 'OKTA', name: 'OKTA' } },
    _links: links,
  };
}

/** Validates a user profile (create or replace); `existing` excludes the user itself from the login check. */
function readProfile(state: OktaState, raw: unknown, existing?: UserRecord): UserRecord['profile'] {
  const v = new Validation();
  const profile = isRecord(raw) ? raw : {};
  v.required('login', profile.login).required('email', profile.email).required('firstName', profile.firstName).required('lastName', profile.lastName);
  if (typeof profile.login === 'string' && profile.login && !EMAIL.test(profile.login)) v.add('login', 'Username must be in the form of an email address');
  if (typeof profile.email === 'string' && profile.email && !EMAIL.test(profile.email)) v.add('email', 'Does not match required pattern');
  if (typeof profile.login === 'string' && Object.values(state.users).some((u) => u.profile.login.toLowerCase() === (profile.login as string).toLowerCase() && u.id !== existing?.id)) {
    v.add('login', ALREADY_EXISTS);
  }
  v.throwIfFailed();
  return { ...profile, login: String(profile.login), email: String(profile.email), firstName: String(profile.firstName), lastName: String(profile.lastName) };
}

/** Creates a user record (also used by the seed); `password` undefined means password-less. */
export function newUser(state: OktaState, profile: UserRecord['profile'], status: UserStatus, password?: string): UserRecord {
  const at = nowIso();
  return {
    id: oktaId('00u'),
    seq: nextSeq(state),
    created: at,
    lastUpdated: at,
    status,
    activated: status === 'ACTIVE' ? at : null,
    statusChanged: status === 'STAGED' ? null : at,
    passwordChanged: password ? at : null,
    profile,
    ...(password ? { passwordHash: hashPassword(password) } : {}),
  };
}

interface ListUsersQuery {
  q?: string;
  search?: string;
  filter?: string;
}

type UserParams = { userId: string };

export function registerUsers(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Querystring: ListUsersQuery }>('/api/v1/users', async function listUsers(req, reply) {
    const { q, search, filter } = req.query;
    let users = Object.values(ctx.state.users);
    const expression = [search, filter].filter(Boolean).join(' and ');
    if (expression) {
      const compiled = compileFilter(expression);
      users = users.filter((u) => compiled.test(u));
      if (!compiled.attributes.includes('status')) users = users.filter((u) => u.status !== 'DEPROVISIONED');
    } else {
      users = users.filter((u) => u.status !== 'DEPROVISIONED');
    }
    if (q) {
      const prefix = q.toLowerCase();
      users = users.filter((u) => [u.profile.firstName, u.profile.lastName, u.profile.email].some((f) => f.toLowerCase().startsWith(prefix)));
    }
    const opts = q ? { defaultLimit: 10, maxLimit: 200 } : { defaultLimit: 200, maxLimit: 200 };
    return paginate(ctx, req, reply, users, opts, (id) => ctx.state.users[id]).map((u) => renderUser(ctx, u));
  });

  app.post<{ Querystring: { activate?: string } }>('/api/v1/users', async function createUser(req) {
    const body = objectBody(req.body);
    const profile = readProfile(ctx.state, body.profile);
    const credentials = isRecord(body.credentials) ? body.credentials : {};
    const password = isRecord(credentials.password) && typeof credentials.password.value === 'string' ? credentials.password.value : undefined;
    const groupIds = stringArray(body.groupIds) ?? [];
    const unknownGroups = groupIds.filter((id) => ctx.state.groups[id]?.type !== 'OKTA_GROUP');
    if (unknownGroups.length) throw validationFailed([{ field: 'groupIds', message: `Invalid group ids: ${unknownGroups.join(', ')}` }]);
    const activate = booleanParam(req.query.activate, true);
    const user = newUser(ctx.state, profile, activate ? (password ? 'ACTIVE' : 'PROVISIONED') : 'STAGED', password);
    ctx.state.users[user.id] = user;
    for (const id of groupIds) ctx.state.groups[id].members.push(user.id);
    logEvent(ctx, req, { eventType: 'user.lifecycle.create', displayMessage: 'Create Okta user', target: [target(user.id, 'User', user.profile.login)] });
    return renderUser(ctx, user);
  });

  // `me` is the token's owner; `{id}` also accepts a login, as in Okta.
  app.get<{ Params: UserParams }>('/api/v1/users/:userId', async function getUser(req) {
    // A service app's token has no user behind it: `me` is then not found.
    if (req.params.userId === 'me') return renderUser(ctx, userOr404(ctx, req.oktaApiToken?.userId ?? 'me'));
    return renderUser(ctx, userOr404(ctx, req.params.userId));
  });

  // Replace (PUT) and partial update (POST) of the profile.
  for (const method of ['put', 'post'] as const) {
    app[method]<{ Params: UserParams }>('/api/v1/users/:userId', async function updateUser(req) {
      const user = userOr404(ctx, req.params.userId === 'me' ? (req.oktaApiToken?.userId ?? 'me') : req.params.userId);
      const body = objectBody(req.body);
      const incoming = isRecord(body.profile) ? body.profile : {};
      user.profile = readProfile(ctx.state, method === 'put' ? incoming : { ...user.profile, ...incoming }, user);
      const credentials = isRecord(body.credentials) ? body.credentials : {};
      if (isRecord(credentials.password) && typeof credentials.password.value === 'string') {
        user.passwordHash = hashPassword(credentials.password.value);
        user.passwordChanged = nowIso();
      }
      user.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: 'user.account.update_profile', displayMessage: 'Update user profile for Okta', target: [target(user.id, 'User', user.profile.login)] });
      return renderUser(ctx, user);
    });
  }

  app.delete<{ Params: UserParams }>('/api/v1/users/:userId', async function deleteUser(req, reply) {
    const user = userOr404(ctx, req.params.userId);
    if (user.status !== 'DEPROVISIONED') {
      setStatus(user, 'DEPROVISIONED');
      logEvent(ctx, req, { eventType: 'user.lifecycle.deactivate', displayMessage: 'Deactivate Okta user', target: [target(user.id, 'User', user.profile.login)] });
      return reply.code(204).send();
    }
    delete ctx.state.users[user.id];
    rememberDeleted(ctx, user);
    for (const g of Object.values(ctx.state.groups)) g.members = g.members.filter((id) => id !== user.id);
    for (const byUser of Object.values(ctx.state.appUsers)) delete byUser[user.id];
    logEvent(ctx, req, { eventType: 'user.lifecycle.delete.initiated', displayMessage: 'Delete Okta user', target: [target(user.id, 'User', user.profile.login)] });
    return reply.code(204).send();
  });

  app.post<{ Params: UserParams; Querystring: { sendEmail?: string } }>('/api/v1/users/:userId/lifecycle/activate', async function activateUser(req) {
    const user = userOr404(ctx, req.params.userId);
    setStatus(user, 'ACTIVE');
    user.activated = user.statusChanged;
    logEvent(ctx, req, { eventType: 'user.lifecycle.activate', displayMessage: 'Activate Okta user', target: [target(user.id, 'User', user.profile.login)] });
    // With sendEmail=false Okta returns the activation link; the sandbox activates at once and returns one anyway.
    const token = randomAlphanumeric(20);
    return { activationUrl: absolute(ctx, `/welcome/${token}`), activationToken: token };
  });

  app.post<{ Params: UserParams }>('/api/v1/users/:userId/lifecycle/deactivate', async function deactivateUser(req, reply) {
    const user = userOr404(ctx, req.params.userId);
    setStatus(user, 'DEPROVISIONED');
    logEvent(ctx, req, { eventType: 'user.lifecycle.deactivate', displayMessage: 'Deactivate Okta user', target: [target(user.id, 'User', user.profile.login)] });
    return reply.code(200).send();
  });
}

function setStatus(user: UserRecord, status: UserStatus): void {
  const at = nowIso();
  user.status = status;
  user.statusChanged = at;
  user.lastUpdated = at;
}
