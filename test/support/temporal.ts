import { randomBytes } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClientOptionsForTestEnv } from '@temporalio/testing/lib/client';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { ensureTemporalBinaries } from '../../src/temporal/binaries';
import { EncryptionCodec, keyIdOf } from '../../src/temporal/codec';
import { dataConverterWith } from '../../src/temporal/data-converter';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { bundleErrorVar, TEST_ADDRESS_VAR, WORKFLOW_BUNDLES, type WorkflowBundleName } from './temporal-bundles';

/**
 * Real Temporal servers for tests, never mocks. Typical use:
 *
 *   let env: TestWorkflowEnvironment;
 *   beforeAll(async () => (env = await startTestTemporal({ dataConverter: testDataConverter() })));
 *   afterAll(() => env?.teardown());
 *   const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: uniqueTaskQueue('x'),
 *     workflowBundle: getWorkflowBundle(), activities, dataConverter: testDataConverter() });
 */

export interface StartTestTemporalOptions {
  /**
   * Start a dev server of this file's own instead of attaching to the run's shared one: for tests
   * that need a clean server or special flags. Costs about a second. @default false
   */
  isolated?: boolean;
  /** Flags for an isolated server (giving any implies `isolated`), e.g. ['--dynamic-config-value', 'limit.maxIDLength=100']. @default [] */
  extraArgs?: string[];
  /** The data converter of `env.client`; give the worker and the replayer the same one. @default the SDK's (no encryption) */
  dataConverter?: DataConverter;
  /** Other options of `env.client`. @default SDK defaults */
  client?: ClientOptionsForTestEnv;
}

function clientOptions(opts: { dataConverter?: DataConverter; client?: ClientOptionsForTestEnv }): ClientOptionsForTestEnv | undefined {
  return opts.dataConverter ? { ...opts.client, dataConverter: opts.dataConverter } : opts.client;
}

/**
 * A full Temporal dev server (search attributes TenantId/OnboardingPhase registered): by default
 * the one jest's global setup started for the run (TEMPORAL_TEST_ADDRESS, which you may also point
 * at a server of your own). `env.teardown()` then only closes this file's connections.
 */
export async function startTestTemporal(opts: StartTestTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  const address = process.env[TEST_ADDRESS_VAR];
  if (address && !opts.isolated && !opts.extraArgs?.length) {
    return TestWorkflowEnvironment.createFromExistingServer({ address, client: clientOptions(opts) });
  }
  const { cli } = ensureTemporalBinaries();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      extraArgs: opts.extraArgs ?? [],
    },
    client: clientOptions(opts),
  });
}

export type StartTimeSkippingOptions = Pick<StartTestTemporalOptions, 'dataConverter' | 'client'>;

const isDataConverter = (x: object): x is DataConverter => ['payloadCodecs', 'payloadConverterPath', 'failureConverterPath'].some((k) => k in x);

/**
 * The time-skipping test server: timers (deadlines, reminders, days-long pauses) fire as soon as
 * the workflow waits on them. One per test file, used serially: skipped time is global to it.
 * Accepts a bare DataConverter too (shorthand for `{ dataConverter }`).
 */
export async function startTimeSkippingTemporal(opts: StartTimeSkippingOptions | DataConverter = {}): Promise<TestWorkflowEnvironment> {
  const options: StartTimeSkippingOptions = isDataConverter(opts) ? { dataConverter: opts } : opts;
  const { testServer } = ensureTemporalBinaries();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer } },
    client: clientOptions(options),
  });
  // The test server starts without them, and an upsert of an unknown attribute fails the workflow
  // task, which is retried forever: the run would hang instead of failing.
  const { IndexedValueType } = temporal.api.enums.v1;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]])),
  });
  return env;
}

/** A workflow bundle global setup built for this run: pass it as Worker.create's/runReplayHistory's `workflowBundle`. */
export function getWorkflowBundle(name: WorkflowBundleName = 'onboarding'): WorkflowBundleOption {
  const failure = process.env[bundleErrorVar(name)];
  if (failure) throw new Error(failure);
  const codePath = process.env[WORKFLOW_BUNDLES[name].envVar];
  if (!codePath) throw new Error(`The "${name}" workflow bundle is missing: run tests through jest, whose globalSetup (test/support/global-setup.ts) bundles the workflows.`);
  return { codePath };
}

/** @deprecated use getWorkflowBundle(name) */
export const workflowBundle = getWorkflowBundle;

let sequence = 0;

/** An id no other test (or test file sharing the server) uses: `<prefix>-<pid>-<time>-<n>`. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence++}`;
}

/** A task queue of its own, so tests sharing a server never take each other's tasks. */
export const uniqueTaskQueue = (prefix: string) => uniqueId(`tq-${prefix}`);

let testKey: Buffer | undefined;

/**
 * The project's encrypting data converter with a key made for this test process, so tests run the
 * real codec without reading or creating .data/codec.key. Use the same one for client, worker and replay.
 */
export function testDataConverter(): DataConverter {
  testKey ??= randomBytes(32);
  return dataConverterWith(new EncryptionCodec({ id: `test-${keyIdOf(testKey)}`, key: testKey }));
}
