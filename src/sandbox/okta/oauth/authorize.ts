import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { absolute, nowSeconds, type OktaContext } from '../http';
import { appByClientId } from '../apps';
import { isUserAssigned } from '../app-groups';
import { OAUTH, OAuthError } from '../errors';
import { findUser } from '../users';
import { endSession, redeemSessionToken, sessionOf, startSession } from '../sign-in';
import { appTarget, clientActor, logEvent, userActor } from '../system-log';
import type { AppRecord, AuthServerRecord, UserRecord } from '../state';
import { activeAuthServerOr404 } from './common';
import { evaluateAccessPolicies, resolveRequestedScopes } from './policy-evaluation';
import { mintAccessToken, mintIdToken } from './tokens';

/*
 * `GET|POST /oauth2/{authServerId}/v1/authorize`. The user is, in this order: the one a `sessionToken`
 * names (one-time, from /api/v1/authn; redeeming it also starts an Okta session, as in Okta); the one whose
 * Okta session the `sid` cookie carries (see ../sign-in.ts); or, a sandbox convenience for scripts, the one
 * `login_hint` names (no password), who must exist and be ACTIVE. With none of these, a browser is sent to
 * the hosted sign-in page (`/login/login.htm?fromURI=…`) and comes back here signed in; with `prompt=none`
 * the redirect carries `error=login_required` instead, as Okta answers without a session, and so does an
 * unknown or inactive `login_hint`. `auth_time` is when the user signed in: the session's start when a
 * session is used. Consent is granted implicitly. Everything else is checked as Okta does, in this order,
 * the request before any sign-in:
 *
 * - client_id and redirect_uri are checked first and their failures are NOT redirected (an attacker must
 *   not be able to bounce errors to an arbitrary URI): the answer is a 400 error page, HTML by default and
 *   JSON `{error, error_description}` when the request prefers application/json. redirect_uri must equal one
 *   of the app's registered URIs exactly ("The 'redirect_uri' parameter must be a Login redirect URI in the
 *   client app settings: …").
 * - every later failure is redirected with `error`, `error_description` and `state`: response_type
 *   (supported, registered on the app, and the matching grant allowed), state, scope, nonce for id_token,
 *   PKCE (S256 only; required when the app has pkce_required), the user, the user's assignment to the app
 *   (directly or via a group), then access-policy evaluation (`access_denied` + System Log).
 *
 * Codes are single-use and live 300 seconds. response_mode: query (default for code), fragment (default
 * for token/id_token), form_post (an auto-submitting HTML form).
 */

const CODE_SECONDS = 300;
const RESPONSE_TYPES = ['code', 'token', 'id_token'];

type Params = Record<string, string | undefined>;

class PageError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sendErrorPage(req: FastifyRequest, reply: FastifyReply, err: PageError) {
  const accept = String(req.headers.accept ?? '');
  const wantsJson = accept.includes('application/json') && !accept.split(',')[0].includes('text/html');
  if (wantsJson) return reply.code(400).send({ error: err.error, error_description: err.description });
  const html = `<!DOCTYPE html><html><head><title>400 Bad Request</title></head><body><h1>400 Bad Request</h1><p id="error-code">${escapeHtml(err.error)}</p><p id="error-summary">${escapeHtml(err.description)}</p></body></html>`;
  return reply.code(400).type('text/html; charset=utf-8').send(html);
}

function redirectWith(reply: FastifyReply, redirectUri: string, mode: string, params: Params) {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (mode === 'form_post') {
    const inputs = entries.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`).join('');
    const html = `<!DOCTYPE html><html><head><title>Submit This Form</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`;
    return reply.code(200).type('text/html; charset=utf-8').send(html);
  }
  const encoded = new URLSearchParams(entries).toString();
  const location = mode === 'fragment' ? `${redirectUri}#${encoded}` : `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}`;
  return reply.code(302).header('location', location).send();
}

interface Validated {
  app: AppRecord;
  redirectUri: string;
}

function checkClientAndRedirect(ctx: OktaContext, params: Params): Validated {
  if (!params.client_id) throw new PageError('invalid_request', "The 'client_id' parameter is required.");
  const app = appByClientId(ctx.state, params.client_id);
  if (!app || app.status !== 'ACTIVE') throw new PageError('invalid_client', "Invalid value for 'client_id' parameter.");
  if (!params.redirect_uri) throw new PageError('invalid_request', "The 'redirect_uri' parameter is required.");
  if (!app.oauthClient.redirect_uris.includes(params.redirect_uri)) {
    throw new PageError(
      'invalid_request',
      `The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: ${absolute(ctx, `/admin/app/oidc_client/instance/${app.id}#tab-general`)}`,
    );
  }
  return { app, redirectUri: params.redirect_uri };
}

const redirectError = (error: string, description: string) => new OAuthError(400, error, description);

interface AuthorizeOutcome {
  params: Params;
  user: UserRecord;
  grantType: string;
}

interface CheckedRequest {
  responseTypes: string[];
  grantType: string;
  scopes: string[];
}

/**
 * Everything Okta checks of the request itself, before it looks for a user: response_mode, response_type
 * (supported, registered on the app, and the matching grant allowed), state, scope, nonce, PKCE.
 */
function checkRequest(as: AuthServerRecord, client: AppRecord, params: Params, responseTypes: string[], mode: string): CheckedRequest {
  const implicitOnly = responseTypes.length > 0 && !responseTypes.includes('code');
  if (!['query', 'fragment', 'form_post', 'okta_post_message'].includes(mode)) throw redirectError('invalid_request', "Invalid value for 'response_mode' parameter.");
  if (responseTypes.length === 0) throw redirectError('invalid_request', "The 'response_type' parameter is required.");
  const unknown = responseTypes.filter((t) => !RESPONSE_TYPES.includes(t));
  if (unknown.length) throw redirectError('unsupported_response_type', `The response type is not supported by the authorization server. Configured response types: [${RESPONSE_TYPES.join(', ')}].`);
  if (responseTypes.some((t) => !client.oauthClient.response_types.includes(t))) {
    throw redirectError('unsupported_response_type', `The response type is not supported by the client. Configured response types: [${client.oauthClient.response_types.join(', ')}].`);
  }
  const needed = [...(responseTypes.includes('code') ? ['authorization_code'] : []), ...(implicitOnly ? ['implicit'] : [])];
  if (needed.some((g) => !client.oauthClient.grant_types.includes(g))) {
    throw redirectError('unauthorized_client', `The client is not authorized to use the provided grant type. Configured grant types: [${client.oauthClient.grant_types.join(', ')}].`);
  }
  if (mode === 'query' && implicitOnly) throw redirectError('invalid_request', "The 'query' response mode can't be used with a token or id_token response type.");

  const grantType = responseTypes.includes('code') ? 'authorization_code' : 'implicit';
  if (!params.state) throw redirectError('invalid_request', "The 'state' parameter is required.");
  const scopes = resolveRequestedScopes(as, params.scope ?? '', grantType);
  if (responseTypes.includes('id_token') && !scopes.includes('openid')) throw redirectError('invalid_scope', "The 'openid' scope is required when requesting an id_token.");
  if (responseTypes.includes('id_token') && !responseTypes.includes('code') && !params.nonce) throw redirectError('invalid_request', "The 'nonce' parameter is required for the id_token response type.");

  if (params.code_challenge_method !== undefined && params.code_challenge_method !== 'S256') {
    throw redirectError('invalid_request', "Invalid value for 'code_challenge_method' parameter: only S256 is supported.");
  }
  if (params.code_challenge_method && !params.code_challenge) throw redirectError('invalid_request', "The 'code_challenge' parameter is required with 'code_challenge_method'.");
  if (responseTypes.includes('code') && client.credentials.pkce_required && !params.code_challenge) {
    throw redirectError('invalid_request', 'PKCE code challenge is required by the client (pkce_required).');
  }
  return { responseTypes, grantType, scopes };
}

/** Who is signing in, and when they did (`auth_time`: the session's sign-in, or now). */
interface SignedIn {
  user?: UserRecord;
  authTime?: number;
}

/** `signedIn` receives the user as soon as one is identified, so failures after that are logged as theirs. */
function authorize(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, params: Params, request: CheckedRequest, signedIn: SignedIn): AuthorizeOutcome {
  const { responseTypes, grantType, scopes } = request;
  const user = signedIn.user ?? (params.login_hint ? findUser(ctx.state, params.login_hint) : undefined);
  if (!user || user.status !== 'ACTIVE') throw redirectError('login_required', 'The client specified not to prompt, but the user is not logged in.');
  signedIn.user = user;
  if (!isUserAssigned(ctx.state, app, user)) throw Object.assign(OAUTH.userNotAssigned(), { logReason: 'user_not_assigned' });

  const match = evaluateAccessPolicies(ctx.state, as, app, grantType, scopes, user);
  if (!match) throw OAUTH.policyEvaluationFailed();

  const out: Params = {};
  const authTime = signedIn.authTime ?? nowSeconds();
  let code: string | undefined;
  if (responseTypes.includes('code')) {
    code = randomBytes(24).toString('base64url');
    ctx.state.codes[code] = {
      code,
      authServerId: as.id,
      clientId: app.clientId,
      userId: user.id,
      redirectUri: params.redirect_uri as string,
      scopes,
      nonce: params.nonce,
      codeChallenge: params.code_challenge,
      codeChallengeMethod: params.code_challenge_method,
      ruleId: match.rule.id,
      authTime,
      exp: authTime + CODE_SECONDS,
      used: false,
    };
    out.code = code;
  }
  const grant = { as, app, scopes, rule: match.rule, grantType, user, authTime };
  let accessToken: string | undefined;
  if (responseTypes.includes('token')) {
    const access = mintAccessToken(ctx, grant);
    accessToken = access.token;
    Object.assign(out, { access_token: access.token, token_type: 'Bearer', expires_in: String(access.expiresIn), scope: scopes.join(' ') });
  }
  if (responseTypes.includes('id_token')) out.id_token = mintIdToken(ctx, { ...grant, nonce: params.nonce, accessToken, code });
  return { params: out, user, grantType };
}

export function registerAuthorize(app: FastifyInstance, ctx: OktaContext): void {
  const handler = async function authorizeCustomAS(req: FastifyRequest<{ Params: { authServerId: string } }>, reply: FastifyReply) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    const params: Params = req.method === 'POST' ? ((req.body ?? {}) as Params) : (req.query as Params);
    let validated: Validated;
    try {
      validated = checkClientAndRedirect(ctx, params);
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      logEvent(ctx, req, { eventType: 'app.oauth2.as.authorize', displayMessage: 'OAuth2 authorization request', outcome: { result: 'FAILURE', reason: err.error }, debugData: { error: err.description } });
      return sendErrorPage(req, reply, err);
    }
    const { app: client, redirectUri } = validated;
    const responseTypes = (params.response_type ?? '').split(/\s+/).filter(Boolean);
    const implicitOnly = responseTypes.length > 0 && !responseTypes.includes('code');
    const mode = params.response_mode ?? (implicitOnly ? 'fragment' : 'query');
    const signedIn: SignedIn = {};
    try {
      // The request first, then the user: a request Okta would refuse never sends a browser to sign in.
      const request = checkRequest(as, client, params, responseTypes, mode);
      const tokenUser = params.sessionToken ? redeemSessionToken(ctx, params.sessionToken) : undefined;
      if (tokenUser) {
        startSession(ctx, reply, tokenUser);
        signedIn.user = tokenUser;
      } else {
        const session = sessionOf(ctx, req);
        if (session && params.prompt !== 'login') Object.assign(signedIn, { user: ctx.state.users[session.userId], authTime: Math.floor(Date.parse(session.created) / 1000) });
      }
      if (!signedIn.user && !params.login_hint && params.prompt !== 'none') {
        // A browser without a session signs in first and comes back to this very request (without the
        // spent session token, and without prompt=login, which the sign-in has just satisfied).
        const again = Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'sessionToken' && !(e[0] === 'prompt' && e[1] === 'login'));
        const fromURI = `${req.url.split('?')[0]}?${new URLSearchParams(again)}`;
        return reply.code(302).header('location', `/login/login.htm?${new URLSearchParams({ fromURI })}`).send();
      }
      const outcome = authorize(ctx, as, client, params, request, signedIn);
      const actor = userActor(outcome.user);
      const eventType = responseTypes.includes('code') ? 'app.oauth2.as.authorize.code' : responseTypes.includes('token') ? 'app.oauth2.as.authorize.implicit.access_token' : 'app.oauth2.as.authorize.implicit.id_token';
      logEvent(ctx, req, { eventType, displayMessage: 'OAuth2 authorization request', actor, target: [appTarget(client)], debugData: { responseType: responseTypes.join(' '), authorizationServerId: as.id } });
      return redirectWith(reply, redirectUri, mode === 'okta_post_message' ? 'fragment' : mode, { ...outcome.params, state: params.state });
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      logEvent(ctx, req, {
        eventType: 'app.oauth2.as.authorize',
        displayMessage: 'OAuth2 authorization request',
        outcome: { result: 'FAILURE', reason: err.logReason ?? err.error },
        actor: signedIn.user ? userActor(signedIn.user) : clientActor(client),
        target: [appTarget(client)],
        debugData: { error: err.error, errorDescription: err.description, authorizationServerId: as.id, loginHint: params.login_hint ?? null },
      });
      return redirectWith(reply, redirectUri, mode === 'okta_post_message' || !['query', 'fragment', 'form_post'].includes(mode) ? (implicitOnly ? 'fragment' : 'query') : mode, {
        error: err.error,
        error_description: err.description,
        state: params.state,
      });
    }
  };
  // RP-initiated logout: ends the Okta session and returns to a registered post-logout URI.
  app.get<{ Params: { authServerId: string }; Querystring: { id_token_hint?: string; post_logout_redirect_uri?: string; state?: string } }>(
    '/oauth2/:authServerId/v1/logout',
    async function logout(req, reply) {
      activeAuthServerOr404(ctx, req.params.authServerId);
      const target = req.query.post_logout_redirect_uri;
      const registered = target ? Object.values(ctx.state.apps).some((a) => a.oauthClient?.post_logout_redirect_uris?.includes(target)) : false;
      if (target && !registered) return sendErrorPage(req, reply, new PageError('invalid_request', "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings."));
      endSession(ctx, req, reply);
      ctx.store.persist();
      if (!target) return reply.code(302).header('location', '/login/login.htm').send();
      return reply.code(302).header('location', req.query.state ? `${target}${target.includes('?') ? '&' : '?'}state=${encodeURIComponent(req.query.state)}` : target).send();
    },
  );
  app.get('/oauth2/:authServerId/v1/authorize', handler);
  app.post('/oauth2/:authServerId/v1/authorize', handler);
  // The kit persists after writes only; an authorize GET writes too (a code, log events).
  app.addHook('onResponse', async (req) => {
    if (req.method === 'GET' && req.routeOptions.url === '/oauth2/:authServerId/v1/authorize') ctx.store.persist();
  });
}
