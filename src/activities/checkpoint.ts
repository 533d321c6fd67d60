import type { Context } from '@temporalio/activity';
import { currentContext } from './context';

/*
 * A long activity records what it has done so far as its heartbeat details, and its next attempt
 * (after a failure, or on another worker after this one died) starts from there instead of from
 * the beginning. The details go through the data converter like every payload (encrypted), so a
 * checkpoint holds only what history may hold: ids and names, never a secret.
 */

/** The details of the activity's latest heartbeat, by activity context: the liveness heartbeat resends them. */
const latest = new WeakMap<Context, unknown>();

/** What the liveness heartbeat (heartbeat.ts) sends: the latest checkpoint, so a heartbeat never erases one. */
export function latestCheckpoint(ctx: Context): unknown {
  return latest.get(ctx);
}

/**
 * Steps done, by key, kept across attempts. Outside an activity (a test calling the function) it
 * remembers nothing across calls and sends nothing.
 */
export class Checkpoint<T> {
  private readonly ctx = currentContext();
  private readonly done: Record<string, T>;
  /** Steps this attempt took from an earlier attempt instead of doing them again. */
  resumed = 0;

  constructor(private readonly name: string) {
    // The latest of: what this attempt recorded (an in-worker retry runs the activity again), or
    // what the previous attempt's last heartbeat carried.
    const own = this.ctx && (latest.get(this.ctx) as Record<string, Record<string, T>> | undefined)?.[name];
    const previous = this.ctx && (this.ctx.info.heartbeatDetails as Record<string, Record<string, T>> | undefined)?.[name];
    this.done = { ...(own ?? previous ?? {}) };
  }

  /**
   * The result of step `key`: from the checkpoint when an earlier attempt finished it, else `run()`,
   * recorded unless `keep` says the result is not one to trust on a later attempt.
   */
  async step(key: string, run: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    if (Object.prototype.hasOwnProperty.call(this.done, key)) {
      this.resumed++;
      return this.done[key];
    }
    const value = await run();
    if (!keep(value)) return value;
    this.done[key] = value;
    if (this.ctx) {
      const details = { [this.name]: { ...this.done } };
      latest.set(this.ctx, details);
      this.ctx.heartbeat(details);
    }
    return value;
  }
}
