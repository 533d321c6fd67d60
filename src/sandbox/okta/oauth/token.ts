import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAUTH, OAuthError } from '../errors';
import { nowSeconds, type OktaContext } from '../http';
import { isUserAssigned } from '../app-groups';
import { findUser, hashPassword } from '../users';
import { appTarget, clientActor, logEvent, type LogActor } from '../system-log';
import type { AppRecord, AuthServerRecord, UserRecord } from '../state';
import { authenticateClient } from './client-auth';
import { activeAuthServerOr404, formParams } from './common';
import { evaluateAccessPolicies, findRule, resolveRequestedScopes, type PolicyMatch } from './policy-evaluation';
import { mintAccessToken, mintIdToken, mintRefreshToken, wantsRefreshToken, type TokenGrant } from './tokens';

/*
 * `POST /oauth2/{authServerId}/v1/token` (form-encoded). Order of checks, as a client sees them:
 * 1. a browser `Origin` header without `code_verifier` → 401 "Browser requests to the token endpoint must
 *    use Proof Key for Code Exchange." (seed 004; modelled as Origin present && no code_verifier);
 * 2. grant_type present and one the sandbox issues (client_credentials, authorization_code with PKCE S256
 *    and/or a secret, refresh_token, password), else unsupported_grant_type;
 * 3. client authentication (client-auth.ts); a deactivated app is invalid_client;
 * 4. the app's own grant_types must list the grant → 400 unauthorized_client (RFC 6749 §5.2 status; Okta's
 *    exact status is unconfirmed);
 * 5. scopes, then access-policy evaluation → 403 access_denied + System Log `no_matching_policy`.
 * Every refusal after the server is found is logged as `app.oauth2.as.token.grant` FAILURE.
 */

const SUPPORTED_GRANTS = ['client_credentials', 'authorization_code', 'refresh_token', 'password'];

export function pkceChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

function requireParam(form: Record<string, string | undefined>, name: string): string {
  const value = form[name];
  if (!value) throw OAUTH.missingParameter(name);
  return value;
}

function issue(ctx: OktaContext, grant: TokenGrant, extras: { refreshToken?: string; nonce?: string } = {}): TokenResponse {
  const access = mintAccessToken(ctx, grant);
  const response: TokenResponse = { token_type: 'Bearer', expires_in: access.expiresIn, access_token: access.token, scope: grant.scopes.join(' ') };
  const refresh = extras.refreshToken ?? (wantsRefreshToken(grant.app, grant.scopes) ? mintRefreshToken(ctx, grant) : undefined);
  if (refresh) response.refresh_token = refresh;
  if (grant.user && grant.scopes.includes('openid')) {
    response.id_token = mintIdToken(ctx, { ...grant, user: grant.user, nonce: extras.nonce, accessToken: access.token });
  }
  return response;
}

function requireMatch(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, grantType: string, scopes: string[], user?: UserRecord): PolicyMatch {
  const match = evaluateAccessPolicies(ctx.state, as, app, grantType, scopes, user);
  if (!match) throw OAUTH.policyEvaluationFailed();
  return match;
}

function activeUser(ctx: OktaContext, userId: string | undefined): UserRecord | undefined {
  const user = userId ? ctx.state.users[userId] : undefined;
  return user?.status === 'ACTIVE' ? user : undefined;
}

function clientCredentialsGrant(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, method: string, form: Record<string, string | undefined>): TokenResponse {
  if (method === 'none') throw OAUTH.noClientCredentials();
  const scopes = resolveRequestedScopes(as, form.scope, 'client_credentials');
  const { rule } = requireMatch(ctx, as, app, 'client_credentials', scopes);
  return issue(ctx, { as, app, scopes, rule, grantType: 'client_credentials' });
}

function authorizationCodeGrant(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, form: Record<string, string | undefined>): TokenResponse {
  const code = requireParam(form, 'code');
  const redirectUri = requireParam(form, 'redirect_uri');
  const record = ctx.state.codes[code];
  if (!record || record.used || record.exp < nowSeconds() || record.authServerId !== as.id) throw OAUTH.invalidCode();
  if (record.clientId !== app.clientId) throw OAUTH.mismatchedClient();
  if (record.redirectUri !== redirectUri) throw OAUTH.redirectUriMismatch();
  if (record.codeChallenge) {
    if (!form.code_verifier) throw OAUTH.pkceVerifierMissing();
    if (pkceChallengeOf(form.code_verifier) !== record.codeChallenge) throw OAUTH.pkceVerificationFailed();
  }
  record.used = true;
  const user = activeUser(ctx, record.userId);
  if (!user) throw OAUTH.invalidCode();
  const rule = findRule(as, record.ruleId) ?? requireMatch(ctx, as, app, 'authorization_code', record.scopes, user).rule;
  return issue(ctx, { as, app, scopes: record.scopes, rule, grantType: 'authorization_code', user, authTime: record.authTime }, { nonce: record.nonce });
}

function refreshTokenGrant(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, form: Record<string, string | undefined>): TokenResponse {
  const value = requireParam(form, 'refresh_token');
  const record = ctx.state.tokens[value];
  const now = nowSeconds();
  if (!record || record.kind !== 'refresh_token' || record.revoked || (record.exp !== 0 && record.exp < now) || record.authServerId !== as.id || record.clientId !== app.clientId) {
    throw OAUTH.invalidRefreshToken();
  }
  let scopes = record.scopes;
  if (form.scope !== undefined) {
    const asked = [...new Set(form.scope.split(/\s+/).filter(Boolean))];
    if (asked.some((s) => !record.scopes.includes(s))) throw OAUTH.scopesBeyondGrant();
    scopes = asked;
  }
  const user = record.userId ? activeUser(ctx, record.userId) : undefined;
  if (record.userId && !user) throw OAUTH.invalidRefreshToken();
  // Refreshes are evaluated as the grant that started the chain (rules have no refresh_token condition).
  const { rule } = requireMatch(ctx, as, app, record.grantType, scopes, user);
  const rotate = (app.oauthClient.refresh_token as { rotation_type?: string } | undefined)?.rotation_type === 'ROTATE';
  const grant: TokenGrant = { as, app, scopes, rule, grantType: record.grantType, user };
  if (rotate) record.revoked = true;
  return issue(ctx, grant, { refreshToken: rotate ? mintRefreshToken(ctx, { ...grant, scopes: record.scopes }) : value });
}

function passwordGrant(ctx: OktaContext, as: AuthServerRecord, app: AppRecord, form: Record<string, string | undefined>): TokenResponse {
  const username = requireParam(form, 'username');
  const password = requireParam(form, 'password');
  const user = findUser(ctx.state, username);
  if (!user || user.status !== 'ACTIVE' || !user.passwordHash || user.passwordHash !== hashPassword(password)) throw OAUTH.invalidResourceOwnerCredentials();
  if (!isUserAssigned(ctx.state, app, user)) throw OAUTH.userNotAssigned();
  const scopes = resolveRequestedScopes(as, form.scope, 'password');
  const { rule } = requireMatch(ctx, as, app, 'password', scopes, user);
  return issue(ctx, { as, app, scopes, rule, grantType: 'password', user });
}

export function registerTokenEndpoint(app: FastifyInstance, ctx: OktaContext): void {
  app.post<{ Params: { authServerId: string } }>('/oauth2/:authServerId/v1/token', async function tokenCustomAS(req, reply) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    let client: AppRecord | undefined;
    let grantType: string | undefined;
    try {
      const form = formParams(req);
      grantType = form.grant_type;
      if (req.headers.origin !== undefined && !form.code_verifier) throw OAUTH.browserRequiresPkce();
      if (!grantType) throw OAUTH.missingGrantType();
      if (!SUPPORTED_GRANTS.includes(grantType)) throw OAUTH.unsupportedGrantType();
      const { app: authenticated, method } = authenticateClient(ctx, req, form, true);
      client = authenticated;
      if (!client.oauthClient.grant_types.includes(grantType)) throw OAUTH.unauthorizedClient(client.oauthClient.grant_types);
      let response: TokenResponse;
      if (grantType === 'client_credentials') response = clientCredentialsGrant(ctx, as, client, method, form);
      else if (grantType === 'authorization_code') response = authorizationCodeGrant(ctx, as, client, form);
      else if (grantType === 'refresh_token') response = refreshTokenGrant(ctx, as, client, form);
      else response = passwordGrant(ctx, as, client, form);
      logTokenGrant(ctx, req, as, client, grantType, response);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return response;
    } catch (err) {
      if (err instanceof OAuthError) logTokenFailure(ctx, req, as, client, grantType, err);
      throw err;
    }
  });
}

function logTokenGrant(ctx: OktaContext, req: FastifyRequest, as: AuthServerRecord, client: AppRecord, grantType: string, response: TokenResponse): void {
  const debugData = { grantType, requestedScopes: response.scope, authorizationServerId: as.id, authorizationServerName: as.name };
  const actor = clientActor(client);
  logEvent(ctx, req, { eventType: 'app.oauth2.as.token.grant.access_token', displayMessage: 'OAuth2 access token is granted', actor, target: [appTarget(client)], debugData });
  if (response.id_token) logEvent(ctx, req, { eventType: 'app.oauth2.as.token.grant.id_token', displayMessage: 'OIDC id token is granted', actor, target: [appTarget(client)], debugData });
  if (response.refresh_token) logEvent(ctx, req, { eventType: 'app.oauth2.as.token.grant.refresh_token', displayMessage: 'OAuth2 refresh token is granted', actor, target: [appTarget(client)], debugData });
}

function logTokenFailure(ctx: OktaContext, req: FastifyRequest, as: AuthServerRecord, client: AppRecord | undefined, grantType: string | undefined, err: OAuthError): void {
  const actor: LogActor | undefined = client ? clientActor(client) : undefined;
  logEvent(ctx, req, {
    eventType: 'app.oauth2.as.token.grant',
    displayMessage: 'OAuth2 token request',
    outcome: { result: 'FAILURE', reason: err.logReason ?? err.error },
    ...(actor ? { actor } : {}),
    target: client ? [appTarget(client)] : [],
    debugData: { grantType: grantType ?? null, error: err.error, errorDescription: err.description, authorizationServerId: as.id, authorizationServerName: as.name },
  });
}
