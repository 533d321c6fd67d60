import { CancellationScope, isCancellation, log } from '@temporalio/workflow';
import type { PlanEntry, StepResult } from '../activities/types';
import type { CompensationReport, StepProgress } from './messages';

interface Compensation {
  key: string;
  title: string;
  undo: () => Promise<void>;
}

const now = () => new Date(Date.now()).toISOString();

/** Best human text for any failure, including Temporal's wrapped activity failures. */
export function describeError(err: unknown): string {
  let current = err as { message?: string; cause?: unknown } | undefined;
  // ActivityFailure wraps the ApplicationFailure that carries the real message.
  while (current?.cause && typeof current.cause === 'object') current = current.cause as typeof current;
  return current?.message ?? String(err);
}

/**
 * Promise.all for parallel steps, except that it fails only once every branch has settled: a
 * sibling still running (or retrying) when another branch fails would otherwise create its
 * resource after compensation had already looked for it, and leave it behind.
 */
export async function allSettled<T extends readonly unknown[] | []>(branches: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const results = await Promise.allSettled(branches as readonly unknown[]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [P in keyof T]: Awaited<T[P]> };
}

/**
 * Runs steps and remembers how to undo each one. An undo is registered BEFORE its step runs,
 * because a step that timed out may still have succeeded; it only ever applies to resources
 * that the plan (taken before any write) showed as absent, so nothing pre-existing is touched.
 */
export class Saga {
  private readonly compensations: Compensation[] = [];
  readonly steps = new Map<string, StepProgress>();

  constructor(private readonly plan: () => Map<string, PlanEntry>) {}

  declare(key: string, title: string): void {
    if (!this.steps.has(key)) this.steps.set(key, { key, title, state: 'pending' });
  }

  /**
   * Runs one converge step. `undo` receives the step's result when it returned one; without it
   * the undo looks the resource up by its exact identity.
   */
  async step<T extends StepResult>(
    key: string,
    title: string,
    run: () => Promise<T>,
    undo?: (result: T | undefined) => Promise<void>,
    restore?: (previous: Record<string, unknown>) => Promise<void>,
  ): Promise<T> {
    this.declare(key, title);
    const progress = this.steps.get(key)!;
    const planned = this.plan().get(key);
    // An update puts back what the plan read before any write (plans recorded before `previous`
    // existed carry none, so their runs replay unchanged).
    if (restore && planned?.action === 'update' && planned.previous) {
      const previous = planned.previous;
      this.compensations.unshift({ key, title: `Restore ${title}`, undo: () => restore(previous) });
      return this.track(progress, run);
    }
    if (undo && (planned === undefined || planned.action === 'create')) {
      let result: T | undefined;
      this.compensations.unshift({ key, title, undo: () => undo(result) });
      return this.track(progress, async () => (result = await run()));
    }
    return this.track(progress, run);
  }

  /** Tracks a step that creates nothing (checks, proofs, updates of what exists). */
  async track<T>(progress: StepProgress, run: () => Promise<T>): Promise<T> {
    progress.state = 'running';
    progress.startedAt = now();
    progress.error = undefined;
    try {
      const result = await run();
      const asStep = result as unknown as Partial<StepResult> | undefined;
      progress.outcome = asStep?.outcome;
      progress.resourceId = asStep?.id;
      if (asStep?.notes?.length) progress.notes = asStep.notes;
      progress.state = 'done';
      return result;
    } catch (err) {
      progress.state = 'failed';
      // The SDK's own words ("Cancellation scope cancelled") mean nothing to whoever reads the status.
      progress.error = isCancellation(err) ? 'stopped: the run was cancelled' : describeError(err);
      throw err;
    } finally {
      progress.finishedAt = now();
    }
  }

  /** Registers an undo for something created outside `step` (e.g. the Okta client Anypoint registered). */
  registerUndo(key: string, title: string, undo: () => Promise<void>): void {
    this.declare(key, title);
    this.compensations.unshift({ key, title, undo });
  }

  /**
   * Undoes in reverse order. Runs in a non-cancellable scope so that cancelling the run cannot
   * stop its own clean-up; each undo's failure is recorded and the rest still run.
   */
  async compensate(): Promise<CompensationReport> {
    const report: CompensationReport = { undone: [], failed: [] };
    await CancellationScope.nonCancellable(async () => {
      for (const c of this.compensations.splice(0)) {
        const progress = this.steps.get(c.key);
        try {
          await c.undo();
          report.undone.push(c.key);
          if (progress) progress.state = 'compensated';
        } catch (err) {
          const error = describeError(err);
          log.error('compensation failed', { key: c.key, error });
          report.failed.push({ key: c.key, title: c.title, error });
          if (progress) {
            progress.state = 'compensation-failed';
            progress.error = error;
          }
        }
      }
    });
    return report;
  }
}
