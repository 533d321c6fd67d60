import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Validation } from './errors';
import { compileFilter } from './filter';
import { nowIso, requestIdOf, type OktaContext } from './http';
import { parseLimit, setLinks } from './pagination';
import type { AppRecord, LogEventRecord, OktaState, UserRecord } from './state';

/*
 * The System Log (`GET /api/v1/logs`): what the emulator did, in Okta's LogEvent shape, so a user can
 * debug a refused token the way seed 004 describes (policy evaluation failures carry outcome reason
 * `no_matching_policy`). Event types follow Okta's catalogue names; where Okta's exact name for a case is
 * not documented (token failures), the closest family name is used: `app.oauth2.as.token.grant` with
 * outcome FAILURE and the OAuth error as reason, `app.oauth2.as.authorize` for the authorize endpoint.
 * The newest 10,000 events (or a few more: trimming is batched) are kept.
 */

const MAX_EVENTS = 10_000;

export interface LogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export type LogTarget = LogActor & { detailEntry?: Record<string, unknown> | null };

export interface LogInput {
  eventType: string;
  displayMessage: string;
  outcome?: { result: 'SUCCESS' | 'FAILURE' | 'DENY' | 'ALLOW'; reason?: string | null };
  severity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Defaults to the API token's admin user for management calls, else the Okta system actor. */
  actor?: LogActor;
  target?: LogTarget[];
  debugData?: Record<string, unknown>;
}

export const userActor = (u: UserRecord): LogActor => ({
  id: u.id,
  type: 'User',
  alternateId: u.profile.login,
  displayName: `${u.profile.firstName} ${u.profile.lastName}`.trim(),
});

/** OAuth clients act as `PublicClientApp` in Okta's token events. */
export const clientActor = (app: AppRecord): LogActor => ({ id: app.clientId, type: 'PublicClientApp', alternateId: app.label, displayName: app.label });

export const appTarget = (app: AppRecord): LogTarget => ({ id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label });

export const target = (id: string, type: string, name: string): LogTarget => ({ id, type, alternateId: name, displayName: name });

const SYSTEM_ACTOR: LogActor = { id: 'system', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' };

function defaultActor(state: OktaState, req: FastifyRequest): LogActor {
  const user = req.oktaApiToken ? state.users[req.oktaApiToken.userId] : undefined;
  if (user) return userActor(user);
  const client = req.oktaServiceClient ? Object.values(state.apps).find((a) => a.clientId === req.oktaServiceClient!.clientId) : undefined;
  return client ? clientActor(client) : SYSTEM_ACTOR;
}

/**
 * Appends one event, shaped as Okta's LogEvent. The spec types most LogEvent fields as non-nullable, so
 * what the sandbox does not know (geography, authentication context details, …) is left out, not null.
 */
export function logEvent(ctx: OktaContext, req: FastifyRequest, input: LogInput): LogEventRecord {
  const requestId = requestIdOf(req);
  // A client that hung up while its request was in flight (a killed worker) has no address any more.
  const ip = req.ip ?? 'unknown';
  const debugData = Object.fromEntries(Object.entries({ requestId, requestUri: req.url.split('?')[0], url: req.url, ...input.debugData }).filter(([, v]) => v !== null && v !== undefined));
  const event: LogEventRecord = {
    uuid: randomUUID(),
    published: nowIso(),
    eventType: input.eventType,
    version: '0',
    severity: input.severity ?? (input.outcome?.result === 'FAILURE' ? 'WARN' : 'INFO'),
    displayMessage: input.displayMessage,
    actor: { ...(input.actor ?? defaultActor(ctx.state, req)) },
    client: {
      userAgent: { rawUserAgent: String(req.headers['user-agent'] ?? 'unknown'), os: 'Unknown', browser: 'UNKNOWN' },
      device: 'Unknown',
      ipAddress: ip,
    },
    outcome: { result: input.outcome?.result ?? 'SUCCESS', ...(input.outcome?.reason ? { reason: input.outcome.reason } : {}) },
    target: (input.target ?? []).map(({ detailEntry, ...t }) => (detailEntry ? { ...t, detailEntry } : t)),
    transaction: { type: 'WEB', id: requestId, detail: {} },
    debugContext: { debugData },
    authenticationContext: { authenticationStep: 0, externalSessionId: 'unknown' },
    securityContext: {},
    request: { ipChain: req.ip ? [{ ip, version: ip.includes(':') ? 'V6' : 'V4' }] : [] },
  };
  const logs = ctx.state.logs;
  logs.push(event);
  // Trimmed in batches, as the kit's request log is.
  if (logs.length > MAX_EVENTS * 1.1) logs.splice(0, logs.length - MAX_EVENTS);
  return event;
}

interface LogsQuery {
  since?: string;
  until?: string;
  filter?: string;
  q?: string;
  limit?: string;
  after?: string;
  sortOrder?: string;
}

function parseTime(v: Validation, field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) v.add(field, `'${value}' is not an ISO 8601 timestamp`);
  return t;
}

/** `GET /api/v1/logs`: since/until bounds, SCIM filter, keyword `q`, limit/after, sortOrder. */
export function registerSystemLog(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Querystring: LogsQuery }>('/api/v1/logs', async function listLogEvents(req, reply) {
    const query = req.query;
    const v = new Validation();
    const until = parseTime(v, 'until', query.until) ?? Date.now();
    const since = parseTime(v, 'since', query.since) ?? until - 7 * 24 * 3600 * 1000;
    v.oneOf('sortOrder', query.sortOrder, ['ASCENDING', 'DESCENDING']);
    v.throwIfFailed();
    const filter = query.filter ? compileFilter(query.filter) : undefined;
    const keywords = (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);

    let events = ctx.state.logs.filter((e) => {
      const t = Date.parse(e.published);
      if (t < since || t > until) return false;
      if (filter && !filter.test(e)) return false;
      if (keywords.length) {
        const text = JSON.stringify(e).toLowerCase();
        if (!keywords.every((k) => text.includes(k))) return false;
      }
      return true;
    });
    if (query.sortOrder === 'DESCENDING') events = events.reverse();
    if (query.after) {
      const at = events.findIndex((e) => e.uuid === query.after);
      events = at >= 0 ? events.slice(at + 1) : events;
    }
    const limit = parseLimit(query.limit, { defaultLimit: 100, maxLimit: 1000, minLimit: 0 });
    const page = events.slice(0, limit);
    // A polling query (no `until`) always links to the next poll, even when nothing is new (Okta does too).
    const polling = query.until === undefined;
    const more = events.length > limit;
    const cursor = page.length ? page[page.length - 1].uuid : query.after;
    setLinks(ctx, req, reply, (more || polling) && cursor ? { after: cursor, limit } : undefined);
    return page;
  });
}
