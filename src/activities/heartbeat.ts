import { latestCheckpoint } from './checkpoint';
import { currentContext } from './context';
import { wrapEach } from './wrap';

/** How often a running activity reports its worker alive; the SDK throttles what it actually sends. */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Heartbeats while each activity runs, so that Temporal notices a worker that died mid-activity
 * within the heartbeat timeout (src/workflows/options.ts) instead of only at the start-to-close
 * timeout, and retries the step on another worker. Each heartbeat carries the activity's latest
 * checkpoint (checkpoint.ts; none for most steps, which simply start over: every step is safe to
 * retry), since a heartbeat's details replace the previous ones. Outside a worker it sends nothing.
 */
export function withHeartbeats<T extends Record<string, (...args: never[]) => Promise<unknown>>>(fns: T): T {
  return wrapEach(fns, async (call) => {
    const ctx = currentContext();
    if (!ctx) return call();
    ctx.heartbeat(latestCheckpoint(ctx));
    const timer = setInterval(() => ctx.heartbeat(latestCheckpoint(ctx)), HEARTBEAT_EVERY_MS);
    try {
      return await call();
    } finally {
      clearInterval(timer);
    }
  });
}

