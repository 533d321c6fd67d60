import { Context } from '@temporalio/activity';

/** The running activity's context, or undefined outside one (a test or script calling the function). */
export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** A wait between tries: inside an activity it ends (rejects) when the activity is cancelled. */
export function activitySleep(ms: number): Promise<void> {
  const ctx = currentContext();
  return ctx ? ctx.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
}
