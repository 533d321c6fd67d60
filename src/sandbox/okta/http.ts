import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomAlphanumeric, type SandboxContext } from '../core';
import { malformedBody, methodNotAllowed, pathNotFound, sendError } from './errors';
import type { ApiTokenRecord, OktaState } from './state';

export type OktaContext = SandboxContext<OktaState>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The SSWS token that authenticated this management request. */
    oktaApiToken?: ApiTokenRecord;
    oktaRequestId?: string;
  }
}

export const nowIso = (): string => new Date().toISOString();
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Takes the next creation-order number (see state.ts). */
export function nextSeq(state: OktaState): number {
  return state.nextSeq++;
}

/** Absolute URL on this sandbox: the SDK and clients follow `_links` and `Link` verbatim. */
export function absolute(ctx: OktaContext, path: string): string {
  return `${ctx.baseUrl}${path}`;
}

// Request ids: a random per-process prefix and a counter, 27 alphanumerics like Okta's; unique without
// asking the CSPRNG on every request.
const REQUEST_ID_PREFIX = randomAlphanumeric(15);
let requestCounter = 0;

/** Okta's request id (`X-Okta-Request-Id`, also in System Log `debugContext`). */
export function requestIdOf(req: FastifyRequest): string {
  if (!req.oktaRequestId) req.oktaRequestId = REQUEST_ID_PREFIX + (requestCounter++).toString(36).padStart(12, '0');
  return req.oktaRequestId;
}

/** Every response carries X-Okta-Request-Id, including the kit's canned faults and 429s. */
export function addRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!reply.hasHeader('x-okta-request-id')) reply.header('x-okta-request-id', requestIdOf(req));
    return payload;
  });
}

/** The token from `Authorization: SSWS <token>`; undefined when missing, blank or another scheme. */
export function sswsTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^SSWS\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** The SSWS token's record; the management guard (org-auth/guard.ts) also accepts org access tokens. */
export function authenticateApiToken(ctx: OktaContext, req: FastifyRequest): ApiTokenRecord | undefined {
  const token = sswsTokenOf(req);
  return token ? ctx.state.apiTokens.find((t) => t.token === token) : undefined;
}

/** A JSON body that must be an object; an absent body counts as `{}` (Okta accepts empty lifecycle POSTs). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw malformedBody();
  return body as Record<string, unknown>;
}

/** `?activate=false` style flags; anything but an explicit false keeps the default. */
export function booleanParam(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !(String(value).toLowerCase() === 'false' || value === '0');
}

export function stringArray(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string => typeof v === 'string');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of plain JSON (records are rendered from copies so callers can't alias state). */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

interface KnownRoute {
  methods: string[];
  pattern: RegExp;
}

/**
 * Unknown paths answer 404 E0000008 and known paths called with the wrong method 405 E0000022, as Okta
 * does; Fastify alone would answer both with its own 404. Routes are learnt through `onRoute`.
 */
export function installNotFound(app: FastifyInstance): void {
  const known: KnownRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/__sandbox')) return;
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    const pattern = new RegExp(
      '^' +
        route.url
          .split('/')
          .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/') +
        '/?$',
    );
    const same = known.find((k) => k.pattern.source === pattern.source);
    if (same) same.methods.push(...methods);
    else known.push({ methods, pattern });
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0].replace(/\/{2,}/g, '/');
    const allowed = [...new Set(known.filter((k) => k.pattern.test(path)).flatMap((k) => k.methods))];
    return sendError(reply, allowed.length ? methodNotAllowed(allowed.filter((m) => m !== 'HEAD')) : pathNotFound());
  });
}

