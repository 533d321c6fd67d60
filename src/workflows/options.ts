import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/**
 * Failures that retrying cannot fix: bad input, bad credentials, missing permissions. Activities
 * raise them with these types (see src/activities/failures.ts) and the message carries the fix.
 * Rate limits are retried after the reset the server announced (the activity sets nextRetryDelay).
 */
export const NON_RETRYABLE_TYPES = ['okta.validation', 'okta.auth', 'okta.forbidden', 'okta.conflict', 'anypoint.validation', 'anypoint.auth', 'anypoint.forbidden', 'anypoint.conflict', 'provider.validation', 'provider.auth', 'provider.forbidden', 'provider.conflict', 'provider.not_found', 'config'];

/**
 * Every activity heartbeats while it runs (src/activities/heartbeat.ts): a worker that dies
 * mid-step is noticed after this, not after the start-to-close timeout, which stays long enough
 * for a step of many slow calls (each call has its own 30 s timeout).
 */
export const HEARTBEAT_TIMEOUT = '10 seconds';

/**
 * Converge steps: short calls, retried with backoff on 5xx and network errors. The budget is time
 * (30 minutes per step), not a count of attempts: a 429 storm with short resets would otherwise
 * burn through the attempts in seconds and roll back a run that only had to wait.
 */
export const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // A cancelled run waits for a step in flight to finish before compensating: otherwise the step
  // could create its resource after its undo had already looked for it.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  scheduleToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
};

/** Undo steps retry longer: leaving a half-built tenant behind is worse than waiting. */
export const COMPENSATION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  scheduleToCloseTimeout: '2 hours',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 30,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES.filter((t) => !t.endsWith('.conflict')),
  },
};

/**
 * Writes to the tenant record (a signal to its workflow): cheap and idempotent (events carry an id),
 * so retried for a long time; a record that misses a run would misguide a later offboarding.
 */
export const RECORD_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
};

/**
 * Writing the tenant's drift schedule at the end of an onboarding: a few quick attempts, then the
 * onboarding completes anyway (it logs how to write the schedule by hand) instead of waiting.
 */
export const SCHEDULE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
};
