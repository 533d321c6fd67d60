import type { Context } from '@temporalio/activity';
import { ExternalApiError } from '../clients/errors';
import { readRetryDelay, type ReadRetryPolicy } from '../clients/read-retry';
import { activitySleep, currentContext } from './context';
import { wrapEach } from './wrap';

/*
 * Temporal's server tries a failed activity again no sooner than about a second later, whatever
 * the retry policy's initial interval or the failure's nextRetryDelay says (measured on the dev
 * server: 100 ms intervals came back after 1.0 s, every time), and each retry is a round trip
 * through history. Under sustained faults that second per failed write was most of the time the
 * project added on top of the faults themselves. A transient failure (a 5xx, a dropped connection,
 * a 429 whose reset is a few seconds away) mostly clears at once, so the worker tries the step
 * again itself first, as Temporal would: every activity is idempotent (a write looks up what an
 * earlier try may have created before it creates), so running it again in-process is the same as
 * a Temporal retry, only sooner. What still fails goes to the retry policy as before.
 */

/** Tries of a step in the worker before its failure goes to Temporal: the first one and two more. */
export const QUICK_RETRY: ReadRetryPolicy = { attempts: 3, initialDelayMs: 100, maxRateLimitWaitMs: 5_000 };

/** How long to wait before the step's next try in-process, or undefined to let the failure go to Temporal. */
export function quickRetryDelay(err: unknown, backoffMs: number): number | undefined {
  // An error with an attempt limit counts Temporal's attempts (src/activities/failures.ts): its
  // bound must stay what it says, so it is never retried here.
  if (!(err instanceof ExternalApiError) || err.attemptLimit !== undefined) return undefined;
  // A create that may have gone through, of something lists may not show yet: Temporal's later
  // retry gives the lists that time (see the README, "Eventual consistency").
  if (err.createOutcomeUnknown) return undefined;
  // A call the client already repeated: repeating the step would multiply its sends.
  if (err.repeatedInClient) return undefined;
  return readRetryDelay(err, backoffMs, QUICK_RETRY);
}

type StepRetryListener = (err: ExternalApiError) => void;
const listeners = new Set<StepRetryListener>();

/** Tells `listener` of every step tried again here, with its cause (the worker counts them); returns the unsubscribe. */
export function onStepRetry(listener: StepRetryListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Which in-process try of its activity attempt a step is on, by activity context (1 outside withQuickRetry). */
const tries = new WeakMap<Context, number>();

/**
 * 1 on the first in-process try of the current activity attempt. A step that trusts the plan's
 * finding on a first attempt (converge.ts) must look again on a later try here too: the earlier try
 * may have created the resource and lost the response.
 */
export function inProcessTry(): number {
  const ctx = currentContext();
  return (ctx && tries.get(ctx)) ?? 1;
}

/** Runs `step`, trying it again in-process after a transient failure, up to QUICK_RETRY.attempts in all. */
export async function withQuickRetry<T>(step: () => Promise<T>): Promise<T> {
  let backoffMs = QUICK_RETRY.initialDelayMs;
  const ctx = currentContext();
  for (let attempt = 1; ; attempt++) {
    if (ctx) tries.set(ctx, attempt);
    try {
      return await step();
    } catch (err) {
      const delay = attempt < QUICK_RETRY.attempts ? quickRetryDelay(err, backoffMs) : undefined;
      if (delay === undefined) throw err;
      for (const listener of listeners) listener(err as ExternalApiError);
      await activitySleep(delay);
      backoffMs *= 2;
    }
  }
}


/** Wraps every activity of a module with withQuickRetry. */
export function withQuickRetries<T extends Record<string, (...args: never[]) => Promise<unknown>>>(fns: T): T {
  return wrapEach(fns, (call) => withQuickRetry(call));
}
