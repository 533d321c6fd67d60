import type { AnypointState } from '../anypoint';
import type { ApiInstanceRecord, PolicyRecord, TierLimit } from '../anypoint/state';
import { ClientCredentialsConfig, identifyClient } from './client-credentials';
import type { GatewayRequest, PolicyOutcome } from './outcome';

/*
 * The "Rate limiting - SLA based" policy (docs policies-included-rate-limiting-sla; rate-limiting-and-throttling
 * for the algorithm): the limits are those of the SLA tier of the caller's APPROVED contract.
 * - The caller is identified like client ID enforcement does (client-credentials.ts): no client id, no approved
 *   contract, or a wrong secret (when a secret expression is configured) answer 401 `{error:"invalid_client"}`.
 *   After an OpenID Connect policy, `clientIdExpression: "#[authentication.properties['client_id']]"` takes the
 *   token's client.
 * - One fixed window per tier limit and application, opened by the application's first request ("the algorithm
 *   is created on demand, when the first request is received. This event fixes the time window"); a request is
 *   let through only when every limit has quota left, and only then counts against all of them. Past a limit:
 *   429 `{error:"too_many_requests"}` until the window ends.
 * - With `exposeHeaders` every answer of the policy, 429s included, carries X-Ratelimit-Limit, X-Ratelimit-Remaining
 *   and X-Ratelimit-Reset (milliseconds until the window ends), for the limit with the least quota left.
 * Choices where the docs are silent:
 * - A contract without a tier (an API that had no tiers when it was approved) is not limited.
 * - Windows start afresh when the policy, the contract's tier or the tier's limits change; no Retry-After header.
 * - One gateway replica: `clusterizable` changes nothing.
 */

export interface SlaRateLimitConfig extends ClientCredentialsConfig {
  clusterizable: boolean;
  exposeHeaders: boolean;
}

interface Window {
  start: number;
  used: number;
}

export class SlaRateLimitEnforcer {
  private readonly windows = new Map<string, Window>();

  enforce(state: AnypointState, api: ApiInstanceRecord, policy: PolicyRecord, config: SlaRateLimitConfig, req: GatewayRequest, now = Date.now()): PolicyOutcome {
    const identified = identifyClient(state, api, config, req);
    if ('refusal' in identified) return identified.refusal;
    const { application, contract } = identified;
    const tier = contract.tierId !== null ? state.tiers.find((t) => t.id === contract.tierId) : undefined;
    if (!tier || tier.limits.length === 0) return { kind: 'continue' };

    const windows = tier.limits.map((limit, i) => ({ limit, window: this.windowFor(`${policy.id}.${policy.version}/${application.id}/${tier.id}@${tier.updatedAt}/${i}`, limit, now) }));
    const allowed = windows.every(({ limit, window }) => window.used < limit.maximumRequests);
    if (allowed) for (const { window } of windows) window.used++;

    const tightest = windows
      .map(({ limit, window }) => ({ limit: limit.maximumRequests, remaining: Math.max(0, limit.maximumRequests - window.used), resetMs: window.start + limit.timePeriodInMilliseconds - now }))
      .sort((a, b) => a.remaining - b.remaining || b.resetMs - a.resetMs)[0];
    const headers: Record<string, string> = config.exposeHeaders
      ? { 'x-ratelimit-limit': String(tightest.limit), 'x-ratelimit-remaining': String(tightest.remaining), 'x-ratelimit-reset': String(tightest.resetMs) }
      : {};
    if (!allowed) {
      const exhausted = windows.find(({ limit, window }) => window.used >= limit.maximumRequests)!.limit;
      return {
        kind: 'respond',
        status: 429,
        body: { error: 'too_many_requests', error_description: `Quota exceeded: the SLA tier ${tier.name} allows ${exhausted.maximumRequests} requests per ${exhausted.timePeriodInMilliseconds} ms` },
        headers,
      };
    }
    return { kind: 'continue', responseHeaders: headers };
  }

  private windowFor(key: string, limit: TierLimit, now: number): Window {
    const current = this.windows.get(key);
    if (current && now < current.start + limit.timePeriodInMilliseconds) return current;
    const fresh = { start: now, used: 0 };
    this.windows.set(key, fresh);
    return fresh;
  }

  clear(): void {
    this.windows.clear();
  }
}
