import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { workerTracing } from '../../src/temporal/tracing';
import { bundleOnboardingWorkflows } from '../../src/worker';
import { fixtureDataConverter, historyFixtures } from './history-fixtures';

/*
 * Tracing can be turned on for a worker whose runs started without it (and off again): the
 * recorded histories replay with the tracing interceptors in the bundle, and a replay exports no span.
 */
describe('replay with tracing on', () => {
  const spans = new InMemorySpanExporter();
  const tracing = workerTracing(new SimpleSpanProcessor(spans));
  afterAll(() => tracing.shutdown());

  it('replays every recorded history with the tracing interceptors, exporting nothing', async () => {
    const fixtures = historyFixtures();
    const results = Worker.runReplayHistories(
      {
        workflowBundle: await bundleOnboardingWorkflows(tracing.workflowInterceptorModules),
        dataConverter: fixtureDataConverter(),
        interceptors: tracing.interceptors,
        sinks: tracing.sinks,
      },
      fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history })),
    );
    const outcomes: Record<string, string> = {};
    for await (const r of results) outcomes[r.workflowId] = r.error ? String(r.error) : 'ok';
    expect(outcomes).toEqual(Object.fromEntries(fixtures.map((f) => [f.workflowId, 'ok'])));
    expect(spans.getFinishedSpans()).toEqual([]);
  });
});
