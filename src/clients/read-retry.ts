import { ExternalApiError } from './errors';

/*
 * Reads (GET, list, find) are safe to repeat at once, so a flaky read is retried here, inside the
 * client call, instead of failing the activity and throwing away the reads it already made (a plan
 * makes 14 in a row). Writes are never retried here: a write whose response was lost may have
 * been committed, and only the activity's look-up-before-create can tell. Every retry is a real
 * request, so the services' rate-limit windows count it.
 */

export interface ReadRetryPolicy {
  /**
   * Attempts in all, the first included; 1 turns in-client retries off.
   * @default 4
   */
  attempts: number;
  /**
   * Wait before the second attempt; it doubles before each further one.
   * @default 100
   */
  initialDelayMs: number;
  /**
   * A 429 whose announced reset is at most this far away is waited out here; a longer one fails
   * the call with its reset, and the activity's retry (nextRetryDelay) waits instead.
   * @default 5000
   */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_READ_RETRY: ReadRetryPolicy = { attempts: 4, initialDelayMs: 100, maxRateLimitWaitMs: 5_000 };

/** Policy for a client: `false` turns in-client retries off, a partial policy overrides the defaults. */
export function readRetryPolicy(option: Partial<ReadRetryPolicy> | false | undefined): ReadRetryPolicy {
  if (option === false) return { ...DEFAULT_READ_RETRY, attempts: 1 };
  return { ...DEFAULT_READ_RETRY, ...option };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type ReadRetryListener = (err: ExternalApiError) => void;
const listeners = new Set<ReadRetryListener>();

/** Tells `listener` of every read retried here, with its cause (the worker counts them); returns the unsubscribe. */
export function onReadRetry(listener: ReadRetryListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * How long to wait before trying the read again after `err`, or undefined when it must not be
 * retried here: not a transient cause, or a rate limit that resets later than the policy waits.
 */
export function readRetryDelay(err: unknown, backoffMs: number, policy: ReadRetryPolicy): number | undefined {
  if (!(err instanceof ExternalApiError) || !err.retryable) return undefined;
  if (err.kind === 'rate_limited') {
    const reset = err.retryAfterMs ?? backoffMs;
    return reset <= policy.maxRateLimitWaitMs ? Math.max(reset, backoffMs) : undefined;
  }
  // A 503 may announce when to come back too; honour it when it is short.
  if (err.retryAfterMs !== undefined) return err.retryAfterMs <= policy.maxRateLimitWaitMs ? Math.max(err.retryAfterMs, backoffMs) : undefined;
  return backoffMs;
}

/** Runs `read`, retrying it on 5xx, network errors and short 429s with doubling backoff. */
export async function retryRead<T>(read: () => Promise<T>, policy: ReadRetryPolicy): Promise<T> {
  let backoffMs = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const delay = attempt < policy.attempts ? readRetryDelay(err, backoffMs, policy) : undefined;
      if (delay === undefined) {
        if (attempt > 1 && err instanceof ExternalApiError) err.repeatedInClient = true;
        throw err;
      }
      for (const listener of listeners) listener(err as ExternalApiError);
      await sleep(delay);
      backoffMs *= 2;
    }
  }
}
