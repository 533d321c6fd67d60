import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** One activity attempt as the worker ran it. */
export interface AttemptTiming {
  /** The run and activity id: one scheduled activity, whatever its attempt. */
  key: string;
  activity: string;
  attempt: number;
  startedAt: number;
  endedAt: number;
  failure?: string;
}

/**
 * Records every activity attempt a worker runs (type, attempt, start, end, failure type), so a
 * chaos case can say where its time went: in the attempts that succeeded, in attempts that failed
 * and were thrown away, or between attempts (the retry policy's backoff and dispatch).
 */
export function attemptRecorder(into: AttemptTiming[]): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const timing: AttemptTiming = { key: `${ctx.info.workflowExecution?.runId}/${ctx.info.activityId}`, activity: ctx.info.activityType, attempt: ctx.info.attempt, startedAt: Date.now(), endedAt: 0 };
        into.push(timing);
        try {
          return await next(input);
        } catch (err) {
          timing.failure = (err as { type?: string }).type ?? (err as Error).name;
          throw err;
        } finally {
          timing.endedAt = Date.now();
        }
      },
    },
  });
}

/** Where a run's wall time went, in ms. */
export interface TimeBreakdown {
  inSucceededAttempts: number;
  inFailedAttempts: number;
  betweenAttempts: number;
  failedAttempts: number;
  /** Failed attempts by failure type. */
  failuresByType: Record<string, number>;
}

/**
 * Sums the attempts by outcome, and the gaps between a failed attempt's end and the next attempt of
 * the same scheduled activity (the retry interval plus dispatch). Activities of one run run one after another
 * except where the workflow fans out, so the sums are a breakdown of sequential time, not exact.
 */
export function timeBreakdown(timings: AttemptTiming[]): TimeBreakdown {
  const sorted = [...timings].sort((a, b) => a.startedAt - b.startedAt);
  let inSucceededAttempts = 0;
  let inFailedAttempts = 0;
  let betweenAttempts = 0;
  const failuresByType: Record<string, number> = {};
  const lastFailedEnd = new Map<string, number>();
  for (const t of sorted) {
    const span = Math.max(0, t.endedAt - t.startedAt);
    const previousEnd = lastFailedEnd.get(t.key);
    if (t.attempt > 1 && previousEnd !== undefined) betweenAttempts += Math.max(0, t.startedAt - previousEnd);
    if (t.failure) {
      inFailedAttempts += span;
      failuresByType[t.failure] = (failuresByType[t.failure] ?? 0) + 1;
      lastFailedEnd.set(t.key, t.endedAt);
    } else {
      inSucceededAttempts += span;
      lastFailedEnd.delete(t.key);
    }
  }
  return { inSucceededAttempts, inFailedAttempts, betweenAttempts, failedAttempts: sorted.filter((t) => t.failure).length, failuresByType };
}
