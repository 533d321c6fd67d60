import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

// jest setupFiles: one short line per SDK warning or error. Expected failures (a test's flaky
// activity) stay readable, and real trouble (a workflow task failing) still shows, without task
// tokens and multi-screen stack traces. TEMPORAL_TEST_LOG_LEVEL=DEBUG|INFO|WARN|ERROR changes the threshold.

// Errors from the workflow sandbox come from another realm: `instanceof Error` is false for them.
const isErrorLike = (value: unknown): value is { message: string } => typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

function compact(meta: LogEntry['meta']): string {
  if (!meta) return '';
  const fields = Object.entries(meta)
    .filter(([key]) => !['taskToken', 'sdkComponent', 'namespace', 'runId', 'workflowRunId', 'durationMs'].includes(key))
    .map(([key, value]) => `${key}=${JSON.stringify(isErrorLike(value) ? value.message : value)}`);
  return fields.length ? ` ${fields.join(' ')}` : '';
}

const level = (process.env.TEMPORAL_TEST_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;

/** Expected in tests whose worker only runs workflows. */
const NOISE = ['No activities registered, not polling for activity tasks'];

Runtime.install({
  logger: new DefaultLogger(level, (entry) => {
    if (NOISE.includes(entry.message)) return;
    process.stderr.write(`[temporal ${entry.level}] ${entry.message}${compact(entry.meta)}\n`);
  }),
});
