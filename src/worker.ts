/**
 * The onboarding worker: runs the workflows (bundled once per process) and the activities against
 * whichever Temporal server the settings name. `npm run worker` runs it alone; `npm run dev` runs
 * it next to the embedded dev server.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import * as activities from './activities';
import { connectWorker, loadTemporalSettings, LOCAL_ADDRESS } from './temporal/connection';
import { createDataConverter, FAILURE_CONVERTER_PATH } from './temporal/data-converter';
import { sampleAccessRequestsWaiting, stepMetricsInterceptor } from './temporal/metrics';
import { currentObservability, installObservability } from './temporal/observability';
import { taskQueueName } from './temporal/task-queue';
import type { WorkerTracing } from './temporal/tracing';

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
  /**
   * Traces workflows and activities; the bundle must then include `tracing.workflowInterceptorModules`
   * (bundleOnboardingWorkflows does). @default installObservability()'s, i.e. on when OTLP is configured
   */
  tracing?: WorkerTracing;
  /** How often the access-requests-waiting gauge is sampled; only with a metrics exporter. @default METRICS_SAMPLE_INTERVAL_MS, else 30 s */
  accessSampleEveryMs?: number;
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

const bundles = new Map<string, Promise<WorkflowBundle>>();

/**
 * Bundles src/workflows for the workflow sandbox, with the tracing interceptors when tracing is on;
 * memoized per set of interceptors, since it takes seconds.
 */
export function bundleOnboardingWorkflows(workflowInterceptorModules: string[] = currentObservability()?.tracing?.workflowInterceptorModules ?? []): Promise<WorkflowBundle> {
  const key = workflowInterceptorModules.join('\n');
  let bundling = bundles.get(key);
  if (!bundling) {
    bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger }).catch((err: unknown) => {
      bundles.delete(key); // let a later call retry after the code is fixed
      throw err;
    });
    bundles.set(key, bundling);
  }
  return bundling;
}

export async function createOnboardingWorker(opts: OnboardingWorkerOptions): Promise<Worker> {
  const tracing = opts.tracing ?? currentObservability()?.tracing;
  const taskQueue = opts.taskQueue ?? taskQueueName();
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue,
    workflowBundle: opts.workflowBundle ?? (await bundleOnboardingWorkflows(tracing?.workflowInterceptorModules ?? [])),
    activities: opts.activities ?? activities,
    dataConverter: opts.dataConverter ?? createDataConverter(),
    interceptors: {
      activity: [stepMetricsInterceptor, ...(tracing?.interceptors.activity ?? [])],
      ...(tracing?.interceptors.client ? { client: tracing.interceptors.client } : {}),
    },
    ...(tracing ? { sinks: tracing.sinks } : {}),
  });
  if (currentObservability()?.metricsAddress) {
    sampleAccessRequestsWaiting({
      client: worker.client!,
      meter: Runtime.instance().metricMeter.withTags({ task_queue: taskQueue }),
      taskQueue,
      everyMs: opts.accessSampleEveryMs ?? (Number(process.env.METRICS_SAMPLE_INTERVAL_MS) || undefined),
      workerState: () => worker.getState(),
      onError: (err) => Runtime.instance().logger.warn('access requests could not be counted for the metrics', { error: err }),
    });
  }
  return worker;
}

async function main(): Promise<void> {
  const { logger, shutdown } = installObservability({ name: 'worker' });
  const settings = loadTemporalSettings();
  const connection = await connectWorker(settings);
  try {
    const taskQueue = taskQueueName();
    const worker = await createOnboardingWorker({ connection, namespace: settings.namespace, taskQueue });
    logger.info({ taskQueue, address: settings.address ?? LOCAL_ADDRESS, namespace: settings.namespace }, `worker polling task queue "${taskQueue}"; Ctrl-C to stop`);
    // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(): polling stops, in-flight
    // tasks finish, then run() resolves.
    await worker.run();
  } finally {
    await connection.close();
    await shutdown();
  }
}

if (require.main === module) {
  main().catch((err: Error & { code?: string }) => {
    console.error(`worker failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    process.exit(1);
  });
}
