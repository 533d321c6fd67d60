import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createLogger, loggingFromEnv, type LoggingOptions, type LogLevelName } from '../logging';
import { countClientReadRetries, metricsFromEnv } from './metrics';
import { tracingFromEnv, type WorkerTracing } from './tracing';

/*
 * One call per worker process, before any worker or connection: the Temporal Runtime with a pino
 * logger (the SDK's own lines, the workflows' and activities' `log`, and the Rust core's, forwarded),
 * Prometheus metrics when PROMETHEUS_BIND_ADDRESS is set, and tracing when an OTLP endpoint is.
 */

export interface Observability {
  logger: Logger;
  /** Undefined when tracing is off (no endpoint configured). */
  tracing?: WorkerTracing;
  /** Where `/metrics` is served, when it is. */
  metricsAddress?: string;
  /** Flushes traces and logs. */
  shutdown(): Promise<void>;
}

export interface ObservabilityOptions extends LoggingOptions {
  /** Level when LOG_LEVEL is unset: the demo keeps its story readable with `warn`. @default 'info' */
  defaultLevel?: LogLevelName;
  /** Overrides of what the environment configures (tests: a fixed metrics port, an in-memory exporter). */
  metrics?: TelemetryOptions['metrics'];
  tracing?: WorkerTracing;
}

const TEMPORAL_LEVEL: Record<LogLevelName, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The SDK's Logger interface, written to pino. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[PINO_LEVEL[level]]({ ...meta }, message);
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}

let installed: Observability | undefined;

/** What installObservability set up in this process, if it ran. */
export const currentObservability = (): Observability | undefined => installed;

export function installObservability(opts: ObservabilityOptions = {}): Observability {
  if (installed) return installed;
  const level = opts.level ?? loggingFromEnv(process.env, opts.defaultLevel).level;
  const logger = createLogger({ ...opts, level });
  const metrics = opts.metrics ?? metricsFromEnv();
  const tracing = opts.tracing ?? tracingFromEnv();
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      // The core's own lines (connection trouble, task failures) go through the same logger, same redaction.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: TEMPORAL_LEVEL[level], other: 'ERROR' }) },
      ...(metrics ? { metrics } : {}),
    },
  });
  const metricsAddress = metrics && 'prometheus' in metrics ? metrics.prometheus.bindAddress : undefined;
  if (metrics) countClientReadRetries();
  installed = {
    logger,
    tracing,
    metricsAddress,
    async shutdown() {
      await tracing?.shutdown();
      logger.flush();
    },
  };
  return installed;
}
