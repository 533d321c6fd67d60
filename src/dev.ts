/**
 * `npm run dev`: the whole local stack in one process. Starts the embedded Temporal dev server
 * (SQLite in .data/temporal, Web UI on 8233, codec server so the UI can decrypt) unless
 * TEMPORAL_ADDRESS or a profile names a server, then the onboarding worker. Ctrl-C drains the
 * worker first, then stops the server; runs survive a restart.
 */
import { createOnboardingWorker } from './worker';
import { connectWorker } from './temporal/connection';
import { loadCodecKeys } from './temporal/codec-keys';
import { createDataConverter } from './temporal/data-converter';
import { startLocalTemporal } from './temporal/local';
import { installObservability } from './temporal/observability';
import { ShutdownStack, stopOnSignals } from './temporal/shutdown';
import { taskQueueName } from './temporal/task-queue';
import { ConsoleNotConfigured, signInHint, startConsoleFromEnv } from './console/start';
import { LazyTemporal } from './console/temporal-access';

const log = (message: string) => console.log(`[dev] ${message}`);

async function main(stack: ShutdownStack): Promise<void> {
  // Installed before anything starts, so a Ctrl-C during start-up still stops the server.
  stopOnSignals(stack, log);
  // Before any connection: the Temporal Runtime's logger, metrics and tracing (LOG_LEVEL, PROMETHEUS_BIND_ADDRESS, OTEL_*).
  const observability = installObservability({ name: 'worker' });
  stack.add('logs and traces', () => observability.shutdown());
  if (observability.metricsAddress) log(`metrics on http://${observability.metricsAddress}/metrics`);
  if (observability.tracing) log('traces exported over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT)');

  const temporal = await startLocalTemporal();
  stack.add('Temporal dev server', () => temporal.stop());
  const { settings } = temporal;
  if (temporal.startedServer) {
    log(`Temporal dev server on ${settings.address} (namespace ${settings.namespace}), state in .data/temporal/`);
    log(`Web UI: ${temporal.uiUrl}${temporal.codecServerUrl ? ` (decrypts payloads through ${temporal.codecServerUrl})` : ''}`);
  } else {
    log(`using the configured Temporal server ${settings.address} (namespace ${settings.namespace}); nothing started`);
  }

  const keys = loadCodecKeys();
  log(`payloads encrypted with key id ${keys.current.id} (from ${keys.source})`);

  const connection = await connectWorker(settings);
  stack.add('worker connection', () => connection.close());
  const taskQueue = taskQueueName();
  const worker = await createOnboardingWorker({ connection, namespace: settings.namespace, taskQueue, dataConverter: createDataConverter() });
  const running = worker.run();
  stack.add('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  log(`worker polling task queue "${taskQueue}". Ctrl-C to stop.`);

  // The web console is optional here: without its settings the worker runs alone and says why.
  const consoleTemporal = new LazyTemporal(settings, createDataConverter());
  try {
    const webConsole = await startConsoleFromEnv(consoleTemporal);
    stack.add('web console', async () => {
      await webConsole.close();
      await consoleTemporal.close();
    });
    log(`web console: ${webConsole.url} (${signInHint()})`);
  } catch (err) {
    if (!(err instanceof ConsoleNotConfigured)) throw err;
    log(`web console not started: ${err.message}`);
  }

  try {
    await running;
  } finally {
    await stack.stopAll(log);
  }
}

const stack = new ShutdownStack();
main(stack).catch(async (err: Error & { code?: string }) => {
  // A Ctrl-C during start-up closes what the next step needs; that failure is the shutdown's, not news.
  if (stack.isStopping) return;
  console.error(`[dev] failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
  await stack.stopAll(log);
  process.exit(1);
});
