import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';

/*
 * OpenTelemetry traces of workflows and activities, through Temporal's own interceptors: the
 * workflow's span (run in the workflow sandbox, exported through a sink, never during replay), a
 * span per activity scheduled, and the activity's execution as its child, linked across processes
 * by headers. Off unless an OTLP endpoint (or OTEL_TRACES_EXPORTER) is configured; then nothing is
 * added to the worker, the bundle or the process at all.
 */

export const SERVICE_NAME = 'okta-anypoint-onboarding';

/** The workflow-side half, bundled into the workflow code when tracing is on. */
export const TRACING_WORKFLOW_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export class TracingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

/** What a worker needs to trace: its interceptors and sinks, and the module the workflow bundle must include. */
export interface WorkerTracing {
  interceptors: WorkerInterceptors;
  sinks: InjectedSinks<Record<string, never>>;
  workflowInterceptorModules: string[];
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** The standard OTEL_* variables: service name and resource attributes on top of the project's name. */
export function tracingResource(): Resource {
  return new Resource({ 'service.name': SERVICE_NAME }).merge(envDetectorSync.detect() as Resource);
}

/**
 * Tracing as the environment asks for it, or undefined (off). On with OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (OTLP over HTTP/protobuf; the exporter reads the endpoint,
 * headers, timeout and compression variables itself), or OTEL_TRACES_EXPORTER=otlp|console;
 * OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true turn it off. `env` decides whether; the exporter itself reads process.env.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTracing | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporters.includes('none')) return undefined;
  const unknown = exporters.filter((e) => e !== 'otlp' && e !== 'console');
  if (unknown.length) throw new TracingConfigError(`OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER} names ${unknown.join(', ')}; this worker exports otlp or console. Fix: set it to otlp, console or none.`);
  const wanted = exporters.length ? exporters : endpoint ? ['otlp'] : [];
  if (wanted.length === 0) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  if (wanted.includes('otlp') && protocol !== 'http/protobuf') {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: this worker exports OTLP over http/protobuf only. Fix: unset it or set http/protobuf (a collector's port 4318).`);
  }
  const processors = wanted.map((e) => new BatchSpanProcessor(e === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
  return workerTracing(processors.length === 1 ? processors[0] : new FanOut(processors));
}

/** Tracing into a given span processor (tests give an in-memory exporter's). */
export function workerTracing(spanProcessor: SpanProcessor, resource: Resource = tracingResource()): WorkerTracing {
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Registered for the process: the interceptors read the workflow's span from the activity's headers
  // with the global propagator (W3C trace context), and the activity's span becomes the active
  // context inside the activity, so its log lines carry trace_id/span_id.
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const tracer = provider.getTracer(SERVICE_NAME);
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      // The worker's own client (the tenant record's signal-with-start) carries the trace on.
      client: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    },
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) } as unknown as InjectedSinks<Record<string, never>>,
    workflowInterceptorModules: [TRACING_WORKFLOW_INTERCEPTORS],
    async shutdown() {
      await provider.shutdown();
      context.disable();
      propagation.disable();
      trace.disable();
    },
  };
}

/** Several exporters at once (OTEL_TRACES_EXPORTER=otlp,console). */
class FanOut implements SpanProcessor {
  constructor(private readonly processors: SpanProcessor[]) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>) {
    for (const p of this.processors) p.onStart(...args);
  }
  onEnd(...args: Parameters<SpanProcessor['onEnd']>) {
    for (const p of this.processors) p.onEnd(...args);
  }
  async forceFlush() {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown() {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}
