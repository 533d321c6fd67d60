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
 * How: calls are grouped by route (path with ids replaced), at least as fine as Okta's buckets. A
 * call goes when the route's known `remaining` is above a small reserve (kept for the calls other
 * workers have in flight); otherwise it waits, in line, until the window resets. Each call counts
 * itself down at once, so calls of one process that start together do not all see the same budget.
 * A route never answered yet is not paced. Waiting happens inside the activity, which heartbeats
 * (src/activities/heartbeat.ts); a window is one minute, well under a step's 2-minute timeout.
 */

export interface RateLimitHeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}

export const OKTA_HEADERS: RateLimitHeaderNames = { limit: 'x-rate-limit-limit', remaining: 'x-rate-limit-remaining', reset: 'x-rate-limit-reset' };

interface Window {
  remaining: number;
  /** Epoch ms at which the service resets the window. */
  resetAt: number;
  /** Calls waiting for the reset, first come first served. */
  queue: (() => void)[];
  timer?: NodeJS.Timeout;
}

export interface PacerOptions {
  /**
   * Calls left unused in each window, for the calls other workers have in flight when this one
   * reads the headers.
   * @default 1
   */
  reserve?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Numbers a caller can print: how often and how long calls waited for their turn. */
export interface PacerStats {
  waited: number;
  waitedMs: number;
}

export class RatePacer {
  private readonly windows = new Map<string, Window>();
  private readonly reserve: number;
  private readonly now: () => number;
  readonly stats: PacerStats = { waited: 0, waitedMs: 0 };

  constructor(
    private readonly headers: RateLimitHeaderNames,
    opts: PacerOptions = {},
  ) {
    this.reserve = opts.reserve ?? 1;
    this.now = opts.now ?? Date.now;
  }

  /** Resolves when a call to `path` may go; counts it against the route's window. */
  async turn(path: string): Promise<void> {
    const key = routeOf(path);
    const window = this.windows.get(key);
    if (!window) return;
    if (window.resetAt <= this.now()) return;
    if (window.remaining > this.reserve && window.queue.length === 0) {
      window.remaining--;
      return;
    }
    const started = this.now();
    this.stats.waited++;
    await new Promise<void>((resolve) => {
      window.queue.push(resolve);
      this.scheduleReset(window);
    });
    this.stats.waitedMs += this.now() - started;
  }

  /** Learns the route's window from a response's headers (the service's count, all callers included). */
  learn(path: string, header: (name: string) => string | null | undefined): void {
    const remaining = Number(header(this.headers.remaining));
    const reset = Number(header(this.headers.reset));
    if (!Number.isFinite(remaining) || !Number.isFinite(reset) || header(this.headers.remaining) == null) return;
    const key = routeOf(path);
    const resetAt = reset * 1000;
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { remaining, resetAt, queue: [] });
      return;
    }
    // A newer window, or a lower count in the same one (others spent it), is the truth; a higher
    // count of the same window is an older answer overtaken by our own countdown.
    if (resetAt > window.resetAt || remaining < window.remaining) {
      window.remaining = remaining;
      window.resetAt = Math.max(window.resetAt, resetAt);
    }
  }

  private scheduleReset(window: Window): void {
    if (window.timer) return;
    // Okta's advice: wait until the reset plus a second (clocks differ); a little jitter spreads the workers.
    const delay = Math.max(0, window.resetAt - this.now()) + 1000 + Math.floor(Math.random() * 250);
    window.timer = setTimeout(() => {
      window.timer = undefined;
      // The new window is unknown until a response tells it: let one call go first, then as many
      // as the budget it reports allows.
      window.resetAt = 0;
      const next = window.queue.shift();
      next?.();
      if (window.queue.length > 0) this.releaseAfterFirstAnswer(window);
    }, delay);
    window.timer.unref?.();
  }

  private releaseAfterFirstAnswer(window: Window): void {
    const poll = setInterval(() => {
      if (window.resetAt === 0) return;
      clearInterval(poll);
      while (window.queue.length > 0 && (window.resetAt <= this.now() || window.remaining > this.reserve)) {
        window.remaining--;
        window.queue.shift()!();
      }
      if (window.queue.length > 0) this.scheduleReset(window);
    }, 20);
    poll.unref?.();
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

const pacers = new Map<string, RatePacer>();

/** One pacer per origin in this process, shared by every client of that org. */
export function pacerFor(origin: string, headers: RateLimitHeaderNames = OKTA_HEADERS): RatePacer {
  let pacer = pacers.get(origin);
  if (!pacer) {
    pacer = new RatePacer(headers);
    pacers.set(origin, pacer);
  }
  return pacer;
}
