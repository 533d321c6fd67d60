import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OktaContext } from '../http';
import { activeAuthServerOr404 } from './common';
import { activeTokenRecord } from './introspect';
import { userClaims } from './tokens';

/*
 * `GET|POST /v1/userinfo`: the signed-in user's claims for a Bearer access token of this server. As the
 * spec documents, failures carry no body, only `WWW-Authenticate`: 401 invalid_token for a missing,
 * unknown, expired or revoked token (and client_credentials tokens, which have no user), 403
 * insufficient_scope for a token without `openid`.
 */

function refuse(reply: FastifyReply, status: 401 | 403, error: string, description: string) {
  return reply.code(status).header('www-authenticate', `Bearer error="${error}", error_description="${description}"`).send();
}

export function registerUserinfo(app: FastifyInstance, ctx: OktaContext): void {
  const handler = async function userinfoCustomAS(req: FastifyRequest<{ Params: { authServerId: string } }>, reply: FastifyReply) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    const record = match ? activeTokenRecord(ctx, as, match[1]) : undefined;
    const user = record?.kind === 'access_token' && record.userId ? ctx.state.users[record.userId] : undefined;
    if (!record || !user) return refuse(reply, 401, 'invalid_token', 'The access token is invalid');
    if (!record.scopes.includes('openid')) return refuse(reply, 403, 'insufficient_scope', 'The access token must provide access to at least one of these scopes - openid');
    return userClaims(user, record.scopes);
  };
  app.get('/oauth2/:authServerId/v1/userinfo', handler);
  app.post('/oauth2/:authServerId/v1/userinfo', handler);
}
