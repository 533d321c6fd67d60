import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oktaId } from '../core';
import { OktaError, validationFailed } from './errors';
import { absolute, nowIso, objectBody, type OktaContext } from './http';
import { logEvent, target, userActor } from './system-log';
import type { OktaState, UserRecord } from './state';
import { findUser, hashPassword } from './users';

/*
 * How a person signs in to the Okta sandbox, by the paths Okta uses:
 *
 * - `POST /api/v1/authn` (the Classic Authentication API, no API token): `{username, password}` →
 *   `{status: "SUCCESS", sessionToken, expiresAt, _embedded.user}`; wrong credentials, an unknown user
 *   and a user who is not ACTIVE alike → 401 E0000004 "Authentication failed". A session token is one-time
 *   and lives 5 minutes.
 * - A session token is redeemed for an Okta session (cookie `sid`) by `/oauth2/{as}/v1/authorize?sessionToken=…`
 *   or by `GET /login/sessionCookieRedirect?token=…&redirectUrl=…`.
 * - The hosted sign-in page `GET /login/login.htm?fromURI=…`, where `/authorize` sends a browser that has no
 *   session: a plain form with the Sign-In Widget's field ids (`okta-signin-username`, `okta-signin-password`,
 *   `okta-signin-submit`). Okta's widget posts the credentials to /api/v1/authn from script and then visits
 *   sessionCookieRedirect; the sandbox's page does the same on the server (`POST /login/login.htm`), so it
 *   works without script. A failure shows the widget's "Unable to sign in".
 * - `GET|DELETE /api/v1/sessions/me` and `POST /api/v1/sessions/me/lifecycle/refresh` (by cookie) and
 *   `/oauth2/{as}/v1/logout`, which ends the session.
 *
 * Sessions live two hours (Okta's default global session policy).
 */

const SESSION_TOKEN_SECONDS = 300;
const SESSION_SECONDS = 2 * 60 * 60;
export const SESSION_COOKIE = 'sid';

export interface SessionRecord {
  id: string;
  userId: string;
  created: string;
  expiresAt: string;
}

export interface SessionTokenRecord {
  userId: string;
  exp: number;
}

/** Sessions were added after the first persisted states: an older state file has neither map. */
type SignInState = OktaState & { sessions?: Record<string, SessionRecord>; sessionTokens?: Record<string, SessionTokenRecord> };

function sessions(state: OktaState): Record<string, SessionRecord> {
  const s = state as SignInState;
  return (s.sessions ??= {});
}

function sessionTokens(state: OktaState): Record<string, SessionTokenRecord> {
  const s = state as SignInState;
  return (s.sessionTokens ??= {});
}

const authenticationFailed = () => new OktaError(401, 'E0000004', 'Authentication failed');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function passwordMatches(user: UserRecord, password: string): boolean {
  if (!user.passwordHash) return false;
  const given = Buffer.from(hashPassword(password), 'hex');
  const stored = Buffer.from(user.passwordHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** Primary authentication: the user when the credentials are right and the user is ACTIVE (logged either way). */
function authenticate(ctx: OktaContext, req: FastifyRequest, username: string, password: string): UserRecord | undefined {
  const user = findUser(ctx.state, username);
  const ok = user !== undefined && user.status === 'ACTIVE' && passwordMatches(user, password);
  logEvent(ctx, req, {
    eventType: 'user.session.start',
    displayMessage: 'User login to Okta',
    outcome: ok ? { result: 'SUCCESS' } : { result: 'FAILURE', reason: user ? (user.status === 'ACTIVE' ? 'INVALID_CREDENTIALS' : 'USER_NOT_ACTIVE') : 'VERIFICATION_ERROR' },
    ...(user ? { actor: userActor(user) } : { actor: { id: 'unknown', type: 'User', alternateId: username, displayName: 'unknown' } }),
    debugData: { loginResult: ok ? 'SUCCESS' : 'FAILURE' },
  });
  return ok ? user : undefined;
}

function issueSessionToken(ctx: OktaContext, user: UserRecord): { sessionToken: string; expiresAt: string } {
  const now = Math.floor(Date.now() / 1000);
  const tokens = sessionTokens(ctx.state);
  for (const [t, record] of Object.entries(tokens)) if (record.exp < now) delete tokens[t];
  const sessionToken = `20111${randomBytes(24).toString('base64url')}`;
  tokens[sessionToken] = { userId: user.id, exp: now + SESSION_TOKEN_SECONDS };
  return { sessionToken, expiresAt: new Date((now + SESSION_TOKEN_SECONDS) * 1000).toISOString() };
}

/** Redeems a one-time session token; undefined when unknown, used or expired. */
export function redeemSessionToken(ctx: OktaContext, token: string): UserRecord | undefined {
  const tokens = sessionTokens(ctx.state);
  const record = tokens[token];
  if (!record) return undefined;
  delete tokens[token];
  if (record.exp < Math.floor(Date.now() / 1000)) return undefined;
  const user = ctx.state.users[record.userId];
  return user?.status === 'ACTIVE' ? user : undefined;
}

/** Starts an Okta session for the user and sets its cookie on the reply. */
export function startSession(ctx: OktaContext, reply: FastifyReply, user: UserRecord): SessionRecord {
  const now = Date.now();
  const all = sessions(ctx.state);
  for (const [id, s] of Object.entries(all)) if (Date.parse(s.expiresAt) < now) delete all[id];
  const session: SessionRecord = { id: oktaId('102'), userId: user.id, created: nowIso(), expiresAt: new Date(now + SESSION_SECONDS * 1000).toISOString() };
  all[session.id] = session;
  setSessionCookie(ctx, reply, session.id, SESSION_SECONDS);
  return session;
}

/** The `sid` cookie (@fastify/cookie, registered for the whole Okta service): a max age of 0 removes it. */
function setSessionCookie(ctx: OktaContext, reply: FastifyReply, value: string, maxAge: number): void {
  reply.setCookie(SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.baseUrl.startsWith('https:'), maxAge });
}

/** The live session the request's cookie names, if any. */
export function sessionOf(ctx: OktaContext, req: FastifyRequest): SessionRecord | undefined {
  const id = req.cookies[SESSION_COOKIE];
  const session = id ? sessions(ctx.state)[id] : undefined;
  if (!session || Date.parse(session.expiresAt) < Date.now()) return undefined;
  return ctx.state.users[session.userId]?.status === 'ACTIVE' ? session : undefined;
}

export function endSession(ctx: OktaContext, req: FastifyRequest, reply: FastifyReply): SessionRecord | undefined {
  const session = sessionOf(ctx, req);
  if (session) {
    delete sessions(ctx.state)[session.id];
    const user = ctx.state.users[session.userId];
    if (user) logEvent(ctx, req, { eventType: 'user.session.end', displayMessage: 'User logout from Okta', actor: userActor(user), target: [target(session.id, 'Session', user.profile.login)] });
  }
  setSessionCookie(ctx, reply, '', 0);
  return session;
}

/** Where the hosted sign-in page sends the browser back to: a path on this org only (never another site). */
function safeReturnPath(ctx: OktaContext, raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const url = new URL(raw, ctx.baseUrl);
    return url.origin === new URL(ctx.baseUrl).origin ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}

function signInPage(fromURI: string, username: string, failed: boolean): string {
  const error = failed ? '<div class="okta-form-infobox-error" role="alert"><p>Unable to sign in</p></div>' : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign In</title></head><body>
<main id="okta-sign-in" class="auth-container"><h1>Sign In</h1>${error}
<form method="post" action="/login/login.htm" id="form1">
<input type="hidden" name="fromURI" value="${escapeHtml(fromURI)}">
<p><label for="okta-signin-username">Username</label><br><input id="okta-signin-username" name="username" type="text" autocomplete="username" value="${escapeHtml(username)}" required></p>
<p><label for="okta-signin-password">Password</label><br><input id="okta-signin-password" name="password" type="password" autocomplete="current-password" required></p>
<p><input id="okta-signin-submit" type="submit" value="Sign In"></p>
</form></main></body></html>`;
}

function renderSession(ctx: OktaContext, s: SessionRecord) {
  const user = ctx.state.users[s.userId];
  return {
    id: s.id,
    userId: s.userId,
    login: user?.profile.login,
    createdAt: s.created,
    expiresAt: s.expiresAt,
    status: 'ACTIVE',
    lastPasswordVerification: s.created,
    amr: ['pwd'],
    idp: { id: ctx.state.org.id, type: 'OKTA' },
    // The links of the spec's RetrieveCurrentSessionResponse example (the Session schema has no mfaActive).
    _links: {
      self: { hints: { allow: ['GET', 'DELETE'] }, href: absolute(ctx, '/api/v1/sessions/me') },
      refresh: { hints: { allow: ['POST'] }, href: absolute(ctx, '/api/v1/sessions/me/lifecycle/refresh') },
      user: { hints: { allow: ['GET'] }, href: absolute(ctx, '/api/v1/users/me'), name: user ? `${user.profile.firstName} ${user.profile.lastName}` : '' },
    },
  };
}

type Form = Record<string, string | undefined>;

export function registerSignIn(app: FastifyInstance, ctx: OktaContext): void {
  app.post('/api/v1/authn', async function primaryAuthentication(req) {
    const body = objectBody(req.body);
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const missing = [...(username ? [] : [{ field: 'username', message: 'The field cannot be left blank' }]), ...(password ? [] : [{ field: 'password', message: 'The field cannot be left blank' }])];
    if (missing.length) throw validationFailed(missing);
    const user = authenticate(ctx, req, username, password);
    if (!user) throw authenticationFailed();
    const { sessionToken, expiresAt } = issueSessionToken(ctx, user);
    return {
      expiresAt,
      status: 'SUCCESS',
      sessionToken,
      // No _links: a SUCCESS transaction is over (no stateToken), so there is nothing to cancel or go on with.
      _embedded: { user: { id: user.id, passwordChanged: user.passwordChanged, profile: { login: user.profile.login, firstName: user.profile.firstName, lastName: user.profile.lastName, locale: 'en', timeZone: 'America/Los_Angeles' } } },
    };
  });

  app.get<{ Querystring: { fromURI?: string; username?: string } }>('/login/login.htm', async function hostedSignInPage(req, reply) {
    const fromURI = safeReturnPath(ctx, req.query.fromURI) ?? '/';
    return reply.type('text/html; charset=utf-8').send(signInPage(fromURI, req.query.username ?? '', false));
  });

  app.post<{ Body: Form }>('/login/login.htm', async function hostedSignIn(req, reply) {
    const form = (req.body ?? {}) as Form;
    const fromURI = safeReturnPath(ctx, form.fromURI) ?? '/';
    const user = form.username && form.password ? authenticate(ctx, req, form.username, form.password) : undefined;
    if (!user) return reply.code(401).type('text/html; charset=utf-8').send(signInPage(fromURI, form.username ?? '', true));
    const { sessionToken } = issueSessionToken(ctx, user);
    const next = `/login/sessionCookieRedirect?${new URLSearchParams({ token: sessionToken, redirectUrl: fromURI })}`;
    return reply.code(302).header('location', next).send();
  });

  app.get<{ Querystring: { token?: string; redirectUrl?: string } }>('/login/sessionCookieRedirect', async function sessionCookieRedirect(req, reply) {
    const redirect = safeReturnPath(ctx, req.query.redirectUrl);
    if (!redirect) throw validationFailed([{ field: 'redirectUrl', message: 'The redirect URL must be a path on this Okta org (a trusted origin).' }]);
    const user = req.query.token ? redeemSessionToken(ctx, req.query.token) : undefined;
    if (!user) throw authenticationFailed();
    startSession(ctx, reply, user);
    ctx.store.persist();
    return reply.code(302).header('location', redirect).send();
  });

  app.get('/api/v1/sessions/me', async function currentSession(req) {
    const session = sessionOf(ctx, req);
    if (!session) throw new OktaError(404, 'E0000007', 'Not found: Resource not found: me (Session)');
    return renderSession(ctx, session);
  });

  // Refreshing extends the session by its lifetime from now, and its cookie with it.
  app.post('/api/v1/sessions/me/lifecycle/refresh', async function refreshCurrentSession(req, reply) {
    const session = sessionOf(ctx, req);
    if (!session) throw new OktaError(404, 'E0000007', 'Not found: Resource not found: me (Session)');
    session.expiresAt = new Date(Date.now() + SESSION_SECONDS * 1000).toISOString();
    setSessionCookie(ctx, reply, session.id, SESSION_SECONDS);
    return renderSession(ctx, session);
  });

  app.delete('/api/v1/sessions/me', async function closeCurrentSession(req, reply) {
    if (!endSession(ctx, req, reply)) throw new OktaError(404, 'E0000007', 'Not found: Resource not found: me (Session)');
    return reply.code(204).send();
  });
}
