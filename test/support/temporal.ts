import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { ensureTemporalBinaries } from '../../src/temporal/binaries';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

/**
 * A real Temporal dev server for a test file: started from the resolved binary, or attached to
 * TEMPORAL_TEST_ADDRESS when a server is already running. Never a mock.
 */
export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (address) return TestWorkflowEnvironment.createFromExistingServer({ address });
  const { cli } = ensureTemporalBinaries();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** The time-skipping test server, for timer-heavy tests (deadlines, reminders). */
export async function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  const { testServer } = ensureTemporalBinaries();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } });
}

/** The workflow bundle jest's global setup built once for this run. */
export function workflowBundle(name: 'onboarding' | 'harness'): WorkflowBundleOption {
  const codePath = process.env[name === 'onboarding' ? 'ONBOARDING_WORKFLOW_BUNDLE' : 'HARNESS_WORKFLOW_BUNDLE'];
  if (!codePath) throw new Error('The workflow bundle is missing: run the tests through jest (its globalSetup bundles the workflows).');
  return { codePath };
}

let queueCounter = 0;
/** A task queue of its own per test, so tests sharing a server never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${queueCounter++}`;
}
