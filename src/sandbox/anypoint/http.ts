import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../core';
import { ErrorFamily, forbidden, notFound, unauthorized } from './errors';
import type { AccessTokenRecord, AnypointState, EnvironmentRecord } from './state';

/** Shared plumbing of the Anypoint route files. */

export type AnypointContext = SandboxContext<AnypointState>;

/** Settings of a running emulator that are not state (not persisted, not reset). */
export interface AnypointRuntime {
  /** Lifetime of issued access tokens. @default 3600 */
  tokenTtlSeconds: number;
  /** Where deployed proxies answer (`{gatewayUrl}/{applicationName}`), once a gateway is attached. */
  gatewayUrl?: string;
}

export interface Caller {
  token: string;
  record: AccessTokenRecord;
}

declare module 'fastify' {
  interface FastifyRequest {
    anypointCaller?: Caller;
  }
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

/** Every API call but the token endpoint and the SSO pages needs a live bearer token. */
export function requireBearer(app: FastifyInstance, ctx: AnypointContext, family: (req: FastifyRequest) => ErrorFamily): void {
  app.addHook('onRequest', async (req) => {
    const token = bearerOf(req);
    const record = token ? ctx.state.tokens[token] : undefined;
    if (!token || !record || record.expiresAt <= Date.now()) throw unauthorized(family(req));
    req.anypointCaller = { token, record };
  });
}

export function requireOrg(ctx: AnypointContext, orgId: string, family: ErrorFamily): void {
  if (orgId !== ctx.state.org.id) throw forbidden(family);
}

export function requireEnv(ctx: AnypointContext, orgId: string, envId: string, family: ErrorFamily): EnvironmentRecord {
  requireOrg(ctx, orgId, family);
  const env = ctx.state.environments.find((e) => e.id === envId);
  if (!env) throw notFound(family, `Environment ${envId}`);
  return env;
}

export interface PageQuery {
  offset?: string | number;
  limit?: string | number;
}

/** offset/limit paging; `limit` is capped at `max`. */
export function page<T>(items: T[], query: PageQuery, defaultLimit: number, max = 500): T[] {
  const offset = Math.max(0, Number(query.offset ?? 0) || 0);
  const limit = Math.min(max, Math.max(0, query.limit === undefined ? defaultLimit : Number(query.limit) || 0));
  return items.slice(offset, offset + limit);
}

export function fuzzyMatch(query: string | undefined, ...fields: (string | null | undefined)[]): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return fields.some((f) => typeof f === 'string' && f.toLowerCase().includes(q));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
