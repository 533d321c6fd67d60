import type { FastifyRequest } from 'fastify';
import { notFound, OAUTH } from '../errors';
import type { OktaContext } from '../http';
import type { AuthServerRecord } from '../state';

/**
 * The authorization server an OAuth endpoint serves. An unknown or deactivated server is 404 E0000007
 * (Okta's error format, not OAuth's, on every OAuth path).
 */
export function activeAuthServerOr404(ctx: OktaContext, id: string): AuthServerRecord {
  const as = ctx.state.authServers[id];
  if (!as || as.status !== 'ACTIVE') throw notFound(id, 'AuthorizationServer');
  return as;
}

/** The form parameters of an OAuth POST; Okta's endpoints take application/x-www-form-urlencoded only. */
export function formParams(req: FastifyRequest): Record<string, string | undefined> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) throw OAUTH.wrongContentType();
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}
