import type { OktaContext } from './http';

/*
 * Okta's list and search results are eventually consistent: the published spec says search "may
 * not reflect the latest information". With a lag set, a resource created less than `lagMs` ago
 * is missing from list and search results (groups, apps, authorization servers) while a GET by id
 * already returns it, as on a real org right after a write. Off by default, so ordinary tests see
 * a consistent org.
 */

const lags = new WeakMap<OktaContext, number>();

/** The lag in force: set through the admin API, else SANDBOX_OKTA_SEARCH_LAG_MS, else 0. */
export function searchLagMs(ctx: OktaContext): number {
  const set = lags.get(ctx);
  if (set !== undefined) return set;
  const env = Number(process.env.SANDBOX_OKTA_SEARCH_LAG_MS ?? 0);
  return Number.isFinite(env) && env > 0 ? env : 0;
}

export function setSearchLag(ctx: OktaContext, ms: number): void {
  lags.set(ctx, ms);
}

/** The items a list or search can already see: those created at least the lag ago. */
export function indexed<T extends { created: string }>(ctx: OktaContext, items: T[], now = Date.now()): T[] {
  const lag = searchLagMs(ctx);
  if (lag === 0) return items;
  return items.filter((item) => Date.parse(item.created) <= now - lag);
}
