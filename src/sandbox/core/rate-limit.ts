export interface RateLimitBucket {
  /** Bucket identity, e.g. `/api/v1/apps*`. Requests in one bucket share the counter. */
  key: string;
  /** Requests allowed per one-minute window. */
  limit: number;
}

/** Maps a request to its bucket; undefined means the request is not rate limited. */
export type RateLimitClassifier = (method: string, path: string) => RateLimitBucket | undefined;

export interface RateLimitHeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}

export const OKTA_RATE_LIMIT_HEADERS: RateLimitHeaderNames = {
  limit: 'X-Rate-Limit-Limit',
  remaining: 'X-Rate-Limit-Remaining',
  reset: 'X-Rate-Limit-Reset',
};

export const ANYPOINT_RATE_LIMIT_HEADERS: RateLimitHeaderNames = {
  limit: 'X-RateLimit-Limit',
  remaining: 'X-RateLimit-Remaining',
  reset: 'X-RateLimit-Reset',
};

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** UTC epoch seconds at which the window resets. */
  resetEpochSeconds: number;
}

export const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per bucket, as Okta and Anypoint announce them. `windowMs` shortens
 * them to simulate time: at 6000 every limit is spent and renewed ten times faster, so a run that
 * takes hours at the free org's limits takes minutes (clients learn the window from the headers).
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly classify: RateLimitClassifier,
    private readonly windowMs: number = WINDOW_MS,
  ) {}

  check(method: string, path: string, now = Date.now()): RateLimitDecision | undefined {
    const bucket = this.classify(method, path);
    if (!bucket) return undefined;
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    let window = this.windows.get(bucket.key);
    if (!window || window.start !== start) {
      window = { start, used: 0 };
      this.windows.set(bucket.key, window);
    }
    const allowed = window.used < bucket.limit;
    if (allowed) window.used++;
    return {
      allowed,
      limit: bucket.limit,
      remaining: Math.max(0, bucket.limit - window.used),
      resetEpochSeconds: Math.ceil((start + this.windowMs) / 1000),
    };
  }

  clear(): void {
    this.windows.clear();
  }
}
