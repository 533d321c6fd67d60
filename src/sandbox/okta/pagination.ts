import type { FastifyReply, FastifyRequest } from 'fastify';
import { absolute, type OktaContext } from './http';

/*
 * Cursor pagination as Okta does it: `limit` + `after`, and absolute `Link: <…>; rel="self"` and
 * `Link: <…>; rel="next"` headers (two headers, like Okta). The SDK and the product client follow the next
 * link verbatim, so it is built from ctx.baseUrl and keeps the request's other parameters.
 *
 * The cursor is the id of the last item of the page (Okta documents it as opaque). It resolves through the
 * item's creation counter, and through `state.deletedSeq` when that item has been deleted meanwhile, so a
 * client that deletes what it pages through (a cleanup loop) does not lose its place.
 */

export interface PageOptions {
  /** Page size when `limit` is absent. */
  defaultLimit: number;
  /** Larger `limit` values are clamped to this (Okta's documented maximum). */
  maxLimit: number;
  /** Smaller values are raised to this. @default 1 */
  minLimit?: number;
  /**
   * False for queries Okta does not page (groups `q`: "Paging and searching are currently mutually
   * exclusive"): the first `limit` matches and no next link. @default true
   */
  paged?: boolean;
}

export interface Sequenced {
  id: string;
  seq: number;
}

const MAX_TOMBSTONES = 5000;

/** Remembers a deleted record's place so cursors naming it still work. */
export function rememberDeleted(ctx: OktaContext, record: Sequenced): void {
  const tombstones = ctx.state.deletedSeq;
  tombstones[record.id] = record.seq;
  const ids = Object.keys(tombstones);
  if (ids.length > MAX_TOMBSTONES) for (const id of ids.slice(0, ids.length - MAX_TOMBSTONES)) delete tombstones[id];
}

export function parseLimit(raw: unknown, opts: PageOptions): number {
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 0) return opts.defaultLimit;
  return Math.min(opts.maxLimit, Math.max(opts.minLimit ?? 1, n));
}

/**
 * One page of `items` (already filtered, in creation order) and the Link headers for it.
 * `lookup` finds a record by id in the whole collection, for cursors outside the filtered list.
 */
export function paginate<T extends Sequenced>(
  ctx: OktaContext,
  req: FastifyRequest,
  reply: FastifyReply,
  items: T[],
  opts: PageOptions,
  lookup?: (id: string) => Sequenced | undefined,
): T[] {
  const query = (req.query ?? {}) as Record<string, string | undefined>;
  const limit = parseLimit(query.limit, opts);
  const paged = opts.paged ?? true;
  let start = 0;
  if (paged && query.after) {
    const afterSeq = items.find((i) => i.id === query.after)?.seq ?? lookup?.(query.after)?.seq ?? ctx.state.deletedSeq[query.after];
    start = afterSeq === undefined ? items.length : items.findIndex((i) => i.seq > afterSeq);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const more = paged && start + limit < items.length && page.length > 0;
  setLinks(ctx, req, reply, more ? { after: page[page.length - 1].id, limit } : undefined);
  return page;
}

/** Sets `Link` self (and next when `next` is given) from the request URL. */
export function setLinks(ctx: OktaContext, req: FastifyRequest, reply: FastifyReply, next?: { after: string; limit: number }): void {
  const [path, search = ''] = req.url.replace(/\/{2,}/g, '/').split('?');
  const links = [`<${absolute(ctx, req.url.replace(/\/{2,}/g, '/'))}>; rel="self"`];
  if (next) {
    const params = new URLSearchParams(search);
    params.set('after', next.after);
    params.set('limit', String(next.limit));
    links.push(`<${absolute(ctx, `${path}?${params.toString()}`)}>; rel="next"`);
  }
  reply.header('link', links);
}
