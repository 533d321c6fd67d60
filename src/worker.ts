/**
 * The onboarding worker: bundles the workflows once, runs the activities, and shuts down
 * gracefully on SIGINT/SIGTERM (in-flight activities finish or are retried elsewhere).
 */
import { resolve } from 'node:path';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import * as activities from './activities';
import { connectWorker, loadTemporalSettings } from './temporal/connection';
import { createDataConverter } from './temporal/data-converter';
import { taskQueueName } from './temporal/task-queue';

export const WORKFLOWS_PATH = resolve(__dirname, 'workflows/index.ts');

export interface OnboardingWorkerOptions {
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default taskQueueName() */
  taskQueue?: string;
  /** A prebuilt bundle (tests bundle once per run); bundled from src/workflows otherwise. */
  workflowBundle?: WorkflowBundle;
  /** @default the project's encrypting data converter */
  dataConverter?: DataConverter;
  /** @default the project's activities */
  activities?: object;
}

export function bundleOnboardingWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

export async function createOnboardingWorker(opts: OnboardingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? taskQueueName(),
    workflowBundle: opts.workflowBundle ?? (await bundleOnboardingWorkflows()),
    activities: opts.activities ?? activities,
    dataConverter: opts.dataConverter ?? createDataConverter(),
  });
}

/** Webpack's progress chatter is noise for users; warnings and errors still show. */
const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
  log: () => undefined,
};

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const connection = await connectWorker(settings);
  const worker = await createOnboardingWorker({ connection, namespace: settings.namespace });
  console.log(`worker polling task queue "${taskQueueName()}" on ${settings.address} (namespace ${settings.namespace})`);
  // Worker.run resolves after the SDK's own SIGINT/SIGTERM handling has drained the worker.
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`worker failed: ${(err as Error).message}`);
    process.exit(1);
  });
}
