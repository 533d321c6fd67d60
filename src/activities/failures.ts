import { ApplicationFailure, Context } from '@temporalio/activity';
import { ExternalApiError } from '../clients/errors';
import { SecretReferenceError } from '../config/secrets';
import { SHARED_RESOURCE_IN_USE } from '../workflows/catalogue';
import { wrapEach } from './wrap';

/**
 * Turns a client error into the failure Temporal retries by cause: rate limits wait for the
 * announced reset, 5xx and network errors back off, validation and auth fail at once with the fix.
 * The failure type is `<system>.<kind>` so the workflow's retry policy can branch on it.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof SecretReferenceError) {
    return ApplicationFailure.create({ type: 'config', nonRetryable: true, message: err.message });
  }
  if (err instanceof ExternalApiError) {
    const message = err.fix ? `${err.message} Fix: ${err.fix}` : err.message;
    return ApplicationFailure.create({
      type: `${err.system}.${err.kind}`,
      message,
      nonRetryable: !err.retryable || (err.attemptLimit !== undefined && currentAttempt() >= err.attemptLimit),
      nextRetryDelay: err.kind === 'rate_limited' && err.retryAfterMs !== undefined ? Math.max(err.retryAfterMs, 1) : undefined,
      details: [{ status: err.status, code: err.code, operation: err.operation }],
    });
  }
  return err;
}

/** The attempt of the activity running, 1 outside one (a direct call is a single attempt). */
function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** Wraps every activity of a module so each throws failures Temporal understands. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(fns: T): T {
  return wrapEach(fns, async (call) => {
    try {
      return await call();
    } catch (err) {
      throw toActivityFailure(err);
    }
  });
}

/** A removal refused because others still use the resource (see SHARED_RESOURCE_IN_USE): kept, not retried. */
export function sharedResourceInUse(what: string, users: string[]): ApplicationFailure {
  const shown = users.length > 5 ? `${users.slice(0, 5).join(', ')} and ${users.length - 5} more` : users.join(', ');
  return ApplicationFailure.create({
    type: SHARED_RESOURCE_IN_USE,
    nonRetryable: true,
    message: `${what} is still used by ${shown}: kept. Fix: offboard (or repoint) those first; running this offboarding again then removes it.`,
    details: [{ users }],
  });
}
