import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidSession, invalidToken, OktaError } from '../errors';
import { authenticateApiToken, type OktaContext } from '../http';
import { requiredScope } from './scopes';
import { authenticateOrgAccessToken } from './server';

declare module 'fastify' {
  interface FastifyRequest {
    /** The service app behind an org access token (`Authorization: Bearer`), and the scopes it was issued. */
    oktaServiceClient?: { clientId: string; scopes: string[] };
  }
}

/*
 * Management API credentials: an SSWS API token (acts as its admin user, every scope), or a Bearer
 * access token from the org authorization server, which may call only what its `okta.*` scopes allow.
 * A missing scope is 403 E0000006 with `WWW-Authenticate: Bearer … error="insufficient_scope"` naming
 * the scope, the way Okta answers; an unknown, expired or revoked bearer token is 401 E0000011.
 */

function bearerTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function challenge(ctx: OktaContext, params: Record<string, string>): string {
  const all = { authorization_uri: `${ctx.baseUrl}/oauth2/v1/authorize`, realm: ctx.baseUrl, ...params };
  return `Bearer ${Object.entries(all).map(([k, v]) => `${k}="${v}"`).join(', ')}`;
}

export function insufficientScope(ctx: OktaContext, scope: string, resource: string): OktaError {
  return new OktaError(403, 'E0000006', 'You do not have permission to perform the requested action', [], {
    'www-authenticate': challenge(ctx, { scope, error: 'insufficient_scope', error_description: 'The access token provided does not contain the required scopes.', resource }),
  });
}

/**
 * Authenticates one management request; `onMissing` is what a request without any credential gets (the
 * management API and DCR differ there). Returns nothing: the credential is left on the request.
 */
export function authenticateManagementRequest(ctx: OktaContext, req: FastifyRequest, onMissing: () => Error): void {
  const bearer = bearerTokenOf(req);
  if (bearer === undefined) {
    const record = authenticateApiToken(ctx, req);
    if (!record) throw req.headers.authorization === undefined ? onMissing() : invalidToken();
    req.oktaApiToken = record;
    return;
  }
  const holder = authenticateOrgAccessToken(ctx, bearer);
  if (!holder) {
    const err = invalidToken();
    throw new OktaError(err.status, err.errorCode, err.errorSummary, [], { 'www-authenticate': challenge(ctx, { error: 'invalid_token', error_description: 'The access token is invalid.' }) });
  }
  req.oktaServiceClient = { clientId: holder.app.clientId, scopes: holder.scopes };
  const path = req.url.split('?')[0];
  const needs = requiredScope(req.method, req.routeOptions.url ?? path);
  if (!needs) throw insufficientScope(ctx, 'okta.*', path);
  if (!needs.anyOf.some((s) => holder.scopes.includes(s))) throw insufficientScope(ctx, needs.needed, path);
}

/** The management API's guard (replaces the SSWS-only one). */
export function requireManagementCredentials(app: FastifyInstance, ctx: OktaContext): void {
  app.addHook('onRequest', async (req) => authenticateManagementRequest(ctx, req, invalidSession));
}
