import { retryAfterMs } from './errors';

/*
 * Paces calls under a service's rate limits from the X-Rate-Limit-* headers it sends on every
 * response, instead of running into 429s.
 *
 * Why here and not in Temporal: the budget is per Okta org and per bucket (apps, groups, …), and
 * only the service knows how much of it every caller together has used. Each response carries that
 * count (`Remaining`, until `Reset`), so every worker that calls the org learns the shared state
 * from its own responses: the pacer is per process, the budget it follows is the org's. Temporal's
 * task-queue rate limit (`maxTaskQueueActivitiesPerSecond`) is enforced by the server across workers
 * but counts activities, not the requests of one bucket, so it cannot keep a 20-per-minute bucket
 * full without either starving it or overshooting.
 *
 * How: calls are grouped by the bucket Okta documents for their path (oktaBucketOf), so calls of
 * different routes that share a budget (an app create and a group assignment) count each other
 * down. A call goes when the bucket's known `remaining` is above a small reserve (kept for the
 * calls other workers have in flight); otherwise it waits, in line, until the window resets. Each
 * call counts itself down at once, so calls of one process that start together do not all see the
 * same budget. A bucket never answered yet is not paced. After a reset one call goes to learn the
 * new window and the others follow its answer. Waiting happens inside the activity, which
 * heartbeats (src/activities/heartbeat.ts); a window is one minute, under a step's 2-minute
 * timeout (how many onboardings of one org run at once is bounded before that: see README, Rate limits).
 */

export interface RateLimitHeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}

export const OKTA_HEADERS: RateLimitHeaderNames = { limit: 'x-rate-limit-limit', remaining: 'x-rate-limit-remaining', reset: 'x-rate-limit-reset' };

interface Window {
  remaining: number;
  /** The reset the service announced (epoch seconds): answers with the same one describe the same window. */
  resetEpoch: number;
  /** When that is on our clock (ms), measured against the response's Date header. */
  resetAt: number;
  /** Calls waiting for the reset, first come first served. */
  queue: (() => void)[];
  timer?: NodeJS.Timeout;
  /** After a reset, one call has gone to learn the new window; the others wait for its answer. */
  probing: boolean;
}

export interface PacerOptions {
  /**
   * Calls left unused in each window, for the calls other workers have in flight when this one
   * reads the headers.
   * @default 1
   */
  reserve?: number;
  /**
   * The service's bucket a call counts against; calls of one bucket share one window.
   * @default routeOf (the path with ids blanked: at least as fine as any service's buckets)
   */
  bucketOf?: (path: string) => string;
  /** @default Date.now */
  now?: () => number;
}

/** Numbers a caller can print: how often and how long calls waited for their turn. */
export interface PacerStats {
  waited: number;
  waitedMs: number;
}

/**
 * Margin after the announced reset before the next call goes: the reset is whole seconds measured
 * against the Date header (never early by more than our measurement), plus jitter so that the
 * workers of one org do not all come back in the same millisecond.
 */
const RESET_MARGIN_MS = 200;
const RESET_JITTER_MS = 200;

export class RatePacer {
  private readonly windows = new Map<string, Window>();
  private readonly reserve: number;
  private readonly bucketOf: (path: string) => string;
  private readonly now: () => number;
  readonly stats: PacerStats = { waited: 0, waitedMs: 0 };

  constructor(
    private readonly headers: RateLimitHeaderNames,
    opts: PacerOptions = {},
  ) {
    this.reserve = opts.reserve ?? 1;
    this.bucketOf = opts.bucketOf ?? routeOf;
    this.now = opts.now ?? Date.now;
  }

  /** Resolves when a call to `path` may go; counts it against its bucket's window. */
  async turn(path: string): Promise<void> {
    const window = this.windows.get(this.bucketOf(path));
    if (!window) return;
    if (window.queue.length === 0 && !window.probing) {
      if (window.resetAt <= this.now()) {
        // The window announced is over and the next one is unknown: this call goes and learns it.
        window.probing = true;
        return;
      }
      if (window.remaining > this.reserve) {
        window.remaining--;
        return;
      }
    }
    const started = this.now();
    this.stats.waited++;
    await new Promise<void>((resolve) => {
      window.queue.push(resolve);
      if (!window.probing) this.scheduleReset(window);
    });
    this.stats.waitedMs += this.now() - started;
  }

  /**
   * Learns the bucket's window from a response's headers (the service's count, all callers
   * included) and lets waiting calls go as far as it allows.
   */
  learn(path: string, header: (name: string) => string | null | undefined): void {
    const lookup = (name: string) => header(name) ?? undefined;
    const remaining = Number(lookup(this.headers.remaining));
    const resetEpoch = Number(lookup(this.headers.reset));
    if (lookup(this.headers.remaining) === undefined || !Number.isFinite(remaining) || !Number.isFinite(resetEpoch)) return this.noAnswer(path);
    const now = this.now();
    const resetAt = now + (retryAfterMs(lookup, this.headers.reset, now) ?? 0);
    const key = this.bucketOf(path);
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { remaining, resetEpoch, resetAt, queue: [], probing: false });
      return;
    }
    window.probing = false;
    // A newer window is the truth; so is a lower count (others spent it), with the reset it came
    // with: a 429 of a concurrency limit, or of a shorter window, ends sooner than the minute, and
    // keeping the later reset would hold every call of the bucket until then. A higher count of
    // the same window is an older answer overtaken by our own countdown.
    if (resetEpoch > window.resetEpoch || remaining < window.remaining) {
      window.remaining = remaining;
      window.resetEpoch = resetEpoch;
      window.resetAt = resetAt;
    }
    this.release(window);
  }

  /**
   * A call ended without rate-limit headers (the connection dropped, a proxy answered): if it was
   * the one sent to learn a new window, the next waiting call goes in its place.
   */
  noAnswer(path: string): void {
    const window = this.windows.get(this.bucketOf(path));
    if (!window?.probing) return;
    window.probing = false;
    this.release(window);
  }

  private release(window: Window): void {
    while (window.queue.length > 0 && !window.probing) {
      if (window.resetAt <= this.now()) {
        if (window.timer) return;
        window.probing = true;
      } else if (window.remaining > this.reserve) window.remaining--;
      else return this.scheduleReset(window);
      window.queue.shift()!();
    }
  }

  private scheduleReset(window: Window): void {
    if (window.timer) return;
    const delay = Math.max(0, window.resetAt - this.now()) + RESET_MARGIN_MS + Math.floor(Math.random() * RESET_JITTER_MS);
    window.timer = setTimeout(() => {
      window.timer = undefined;
      // The new window is unknown until a response tells it: one call goes first, the rest follow its answer.
      window.resetAt = Math.min(window.resetAt, this.now());
      this.release(window);
    }, delay);
    window.timer.unref?.();
  }
}

/**
 * `/api/v1/apps/0oa1/groups/00g2?limit=200` → `/api/v1/apps/{id}/groups/{id}`. Okta's buckets are by
 * path, not method (a list and a create of apps share one), so the method is left out.
 */
export function routeOf(path: string): string {
  const bare = path.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
  return bare.split('/').map((s, i, all) => (i > 0 && looksLikeId(s, all[i - 1]) ? '{id}' : s)).join('/');
}

/** Okta ids are 20 characters of letters and digits; `default` is the default authorization server's id. */
function looksLikeId(segment: string, previous: string): boolean {
  return /^[A-Za-z0-9]{16,}$/.test(segment) || (segment === 'default' && previous === 'authorizationServers') || /^\d+$/.test(segment);
}

/**
 * Okta's per-minute buckets (reference/okta.md §3.2, the rate-limit pages): `/api/v1/apps/{id}`
 * exactly has its own, every other `/api/v1/apps*` path shares one (lists, creates, group
 * assignments, lifecycle); groups and a group by id; dynamic client registration; the org
 * authorization server (a service app's token and keys); the custom
 * authorization servers' token, authorize and other endpoints (all servers share them). Other
 * paths keep their route, finer than Okta's catch-all bucket, which is never the one that runs out.
 */
export function oktaBucketOf(path: string): string {
  const route = routeOf(path).replace(/\/+$/, '');
  if (route === '/api/v1/apps/{id}') return route;
  if (route === '/api/v1/apps' || route.startsWith('/api/v1/apps/')) return '/api/v1/apps*';
  if (route.startsWith('/api/v1/groups/{id}')) return '/api/v1/groups/{id}';
  if (route.startsWith('/oauth2/v1/clients')) return '/oauth2/v1/clients';
  // The org authorization server (a service app's token, its keys): one bucket of its own.
  if (route.startsWith('/oauth2/v1/')) return '/oauth2/v1/*';
  const server = /^\/oauth2\/[^/]+\/v1\/(.+)$/.exec(route);
  if (server) return server[1] === 'token' || server[1] === 'authorize' ? `/oauth2/{authServerId}/v1/${server[1]}` : '/oauth2/{authServerId}/v1/*';
  return route;
}

const pacers = new Map<string, RatePacer>();

/** One pacer per Okta org in this process, shared by every client of that org. */
export function pacerFor(origin: string): RatePacer {
  let pacer = pacers.get(origin);
  if (!pacer) {
    pacer = new RatePacer(OKTA_HEADERS, { bucketOf: oktaBucketOf });
    pacers.set(origin, pacer);
  }
  return pacer;
}
