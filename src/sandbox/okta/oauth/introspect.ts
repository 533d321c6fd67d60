import type { FastifyInstance } from 'fastify';
import { issuerOf } from '../authorization-servers';
import { OAUTH } from '../errors';
import { nowSeconds, type OktaContext } from '../http';
import { appByClientId } from '../apps';
import { verifyJwt } from '../signing';
import type { AuthServerRecord, IssuedTokenRecord } from '../state';
import { authenticateClient } from './client-auth';
import { activeAuthServerOr404, formParams } from './common';

/*
 * `POST /v1/introspect` (RFC 7662) and `POST /v1/revoke` (RFC 7009). Both need client authentication
 * (a public client names itself with client_id). Any client of the org may introspect a token of this
 * server, which is what MuleSoft's introspection client relies on. A token is active while it is one this
 * server issued (signature, issuer and jti on record), unexpired, unrevoked, its client still exists and
 * is ACTIVE, and its user (if any) is ACTIVE; anything else is `{"active": false}` with status 200.
 * ID tokens are not tracked and introspect as inactive.
 */

/** The live record behind `token` on this server, or undefined when it is not active. */
export function activeTokenRecord(ctx: OktaContext, as: AuthServerRecord, token: string): IssuedTokenRecord | undefined {
  let record: IssuedTokenRecord | undefined;
  if (token.split('.').length === 3) {
    const payload = verifyJwt(token, as.keys);
    if (!payload || payload.iss !== issuerOf(ctx, as) || typeof payload.jti !== 'string') return undefined;
    record = ctx.state.tokens[payload.jti];
  } else {
    record = ctx.state.tokens[token];
  }
  if (!record || record.revoked || record.authServerId !== as.id) return undefined;
  if (record.exp !== 0 && record.exp <= nowSeconds()) return undefined;
  const app = appByClientId(ctx.state, record.clientId);
  if (!app || app.status !== 'ACTIVE') return undefined;
  if (record.userId && ctx.state.users[record.userId]?.status !== 'ACTIVE') return undefined;
  return record;
}

export function registerIntrospection(app: FastifyInstance, ctx: OktaContext): void {
  app.post<{ Params: { authServerId: string } }>('/oauth2/:authServerId/v1/introspect', async function introspectCustomAS(req) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    const form = formParams(req);
    authenticateClient(ctx, req, form, true);
    if (!form.token) throw OAUTH.tokenRequired();
    const record = activeTokenRecord(ctx, as, form.token);
    if (!record) return { active: false };
    const user = record.userId ? ctx.state.users[record.userId] : undefined;
    // For client_credentials tokens Okta reports the client as username and subject.
    const subject = user ? user.profile.login : record.clientId;
    return {
      active: true,
      token_type: 'Bearer',
      scope: record.scopes.join(' '),
      client_id: record.clientId,
      username: subject,
      ...(record.exp !== 0 ? { exp: record.exp } : {}),
      iat: record.iat,
      sub: subject,
      ...(record.kind === 'access_token' ? { aud: as.audiences[0], iss: issuerOf(ctx, as), jti: record.id } : {}),
      ...(user ? { uid: user.id } : {}),
    };
  });

  // Revocation answers 200 whatever the token was (RFC 7009 §2.2); only the owning client's tokens are revoked.
  app.post<{ Params: { authServerId: string } }>('/oauth2/:authServerId/v1/revoke', async function revokeCustomAS(req, reply) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    const form = formParams(req);
    const { app: client } = authenticateClient(ctx, req, form, true);
    if (!form.token) throw OAUTH.tokenRequired();
    const record = activeTokenRecord(ctx, as, form.token);
    if (record && record.clientId === client.clientId) {
      record.revoked = true;
      // Revoking a refresh token also ends the access tokens of its chain that are still on record.
      if (record.kind === 'refresh_token') {
        for (const t of Object.values(ctx.state.tokens)) {
          if (t.kind === 'access_token' && t.clientId === record.clientId && t.userId === record.userId && t.authServerId === as.id) t.revoked = true;
        }
      }
    }
    return reply.code(200).send();
  });
}
