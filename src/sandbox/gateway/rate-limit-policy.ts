import type { PolicyRecord } from '../anypoint/state';
import type { PolicyOutcome } from './outcome';

/*
 * The "Rate limiting" policy: fixed windows per configured limit, counted per policy (the sandbox has one
 * gateway replica, so `clusterizable` changes nothing). Past a limit: 429 `{error:"too_many_requests"}`.
 * With `exposeHeaders` every response carries x-ratelimit-limit/remaining/reset (reset in ms until the window ends).
 */

export interface RateLimitConfig {
  rateLimits: { maximumRequests: number; timePeriodInMilliseconds: number }[];
  exposeHeaders: boolean;
}

export class RateLimitEnforcer {
  private readonly windows = new Map<string, { version: number; start: number; used: number }>();

  enforce(policy: PolicyRecord, config: RateLimitConfig, now = Date.now()): PolicyOutcome {
    let tightest: { limit: number; remaining: number; resetMs: number } | undefined;
    let refused = false;
    config.rateLimits.forEach((limit, i) => {
      const key = `${policy.id}/${i}`;
      const period = limit.timePeriodInMilliseconds;
      let w = this.windows.get(key);
      if (!w || w.version !== policy.version || now >= w.start + period) {
        w = { version: policy.version, start: now, used: 0 };
        this.windows.set(key, w);
      }
      if (w.used >= limit.maximumRequests) refused = true;
      else w.used++;
      const view = { limit: limit.maximumRequests, remaining: Math.max(0, limit.maximumRequests - w.used), resetMs: w.start + period - now };
      if (!tightest || view.remaining < tightest.remaining) tightest = view;
    });
    const headers: Record<string, string> =
      config.exposeHeaders && tightest ? { 'x-ratelimit-limit': String(tightest.limit), 'x-ratelimit-remaining': String(tightest.remaining), 'x-ratelimit-reset': String(tightest.resetMs) } : {};
    if (refused) return { kind: 'respond', status: 429, body: { error: 'too_many_requests', error_description: 'The rate limit of this API was exceeded' }, headers };
    return { kind: 'continue', responseHeaders: headers };
  }

  clear(): void {
    this.windows.clear();
  }
}
