import { ApplicationFailure } from '@temporalio/common';
import { durationMs } from '../config/duration';

/** A tenant file's duration in ms; the schema validated it, so failing here means a bug, not bad input. */
export function msOf(duration: string): number {
  const ms = durationMs(duration);
  if (ms === undefined) throw ApplicationFailure.nonRetryable(`Unreadable duration "${duration}"`, 'InvalidDuration');
  return ms;
}
