/**
 * The onboarding worker: runs the workflows (bundled once per process) and the activities against
 * whichever Temporal server the settings name. `npm run worker` runs it alone; `npm run dev` runs
 * it next to the embedded dev server.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import * as activities from './activities';
import { connectWorker, loadTemporalSettings, LOCAL_ADDRESS } from './temporal/connection';
import { createDataConverter, FAILURE_CONVERTER_PATH } from './temporal/data-converter';
import { taskQueueName } from './temporal/task-queue';

/** Entry of the workflow bundle; resolves to .ts under tsx/jest and to .js in a dist build. */
export const WORKFLOWS_PATH = require.resolve('./workflows');

export interface OnboardingWorkerOptions {
  /** From connectWorker() or a TestWorkflowEnvironment's nativeConnection. */
  connection: NativeConnection;
  /** @default 'default' */
  namespace?: string;
  /** @default taskQueueName() (ONBOARDING_TASK_QUEUE, else 'onboarding') */
  taskQueue?: string;
  /** A prebuilt bundle (tests build one per run); otherwise bundled from src/workflows once per process. */
  workflowBundle?: WorkflowBundle;
  /** Must be the client's and the replayer's too. @default createDataConverter() */
  dataConverter?: DataConverter;
  /** @default the project's activities (src/activities) */
  activities?: object;
}

/** Webpack's progress chatter is noise; its warnings and errors still show. */
const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  log: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};

let bundling: Promise<WorkflowBundle> | undefined;

/** Bundles src/workflows for the workflow sandbox; memoized, since it takes seconds. */
export function bundleOnboardingWorkflows(): Promise<WorkflowBundle> {
  bundling ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger }).catch((err: unknown) => {
    bundling = undefined; // let a later call retry after the code is fixed
    throw err;
  });
  return bundling;
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

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const connection = await connectWorker(settings);
  try {
    const taskQueue = taskQueueName();
    const worker = await createOnboardingWorker({ connection, namespace: settings.namespace, taskQueue });
    console.log(`worker polling task queue "${taskQueue}" on ${settings.address ?? LOCAL_ADDRESS} (namespace ${settings.namespace}); Ctrl-C to stop`);
    // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(): polling stops, in-flight
    // tasks finish, then run() resolves.
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: Error & { code?: string }) => {
    console.error(`worker failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    process.exit(1);
  });
}
