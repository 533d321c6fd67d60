import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { ensureTemporalBinaries, TemporalBinaryError } from '../../src/temporal/binaries';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/data-converter';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { DATA_DIR } from '../../src/temporal/paths';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { bundleErrorVar, TEST_ADDRESS_VAR, WORKFLOW_BUNDLES, type WorkflowBundleName } from './temporal-bundles';

/** What globalTeardown must undo; jest runs both hooks in the same context. */
export interface GlobalTemporalState {
  server?: RunningDevServer;
  runDir: string;
}
declare global {
  var __temporalTestState: GlobalTemporalState | undefined;
}

const silent = () => undefined;
const bundlerLogger = { trace: silent, debug: silent, info: silent, log: silent, warn: silent, error: silent };

async function bundle(name: WorkflowBundleName, runDir: string): Promise<void> {
  const { workflowsPath, envVar } = WORKFLOW_BUNDLES[name];
  try {
    // Same failure converter as createDataConverter(), which the sandbox can only get at bundle time.
    const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH, logger: bundlerLogger });
    const file = join(runDir, `${name}-workflows.js`);
    writeFileSync(file, code);
    process.env[envVar] = file;
  } catch (err) {
    // One broken workflow file must not fail every suite: the tests needing it report this error.
    process.env[bundleErrorVar(name)] = `Bundling ${workflowsPath} failed: ${(err as Error).message}`;
  }
}

/** A server the user started (TEMPORAL_TEST_ADDRESS) may lack our search attributes. */
async function registerSearchAttributes(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { IndexedValueType } = temporal.api.enums.v1;
    await connection.operatorService
      .addSearchAttributes({
        namespace: 'default',
        searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]])),
      })
      .catch((err: { code?: number }) => {
        if (err.code !== 6 /* ALREADY_EXISTS */) throw err;
      });
  } finally {
    await connection.close();
  }
}

/**
 * Once per jest run: make sure the real Temporal binaries are there (installing them if needed),
 * start ONE in-memory dev server shared by every test file (cheaper than one per file on 2 cores;
 * files stay isolated through unique task queues and workflow ids), and bundle the workflows once.
 */
export default async function globalSetup(): Promise<void> {
  let binaries;
  try {
    binaries = ensureTemporalBinaries();
  } catch (err) {
    // The message says what to do; a stack trace would only bury it.
    if (err instanceof TemporalBinaryError) err.stack = `${err.name} [${err.code}]: ${err.message}`;
    throw err;
  }
  process.env.TEMPORAL_CLI_PATH = binaries.cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = binaries.testServer;

  // Per run, so two jest runs in one working tree never overwrite each other's bundles.
  const runDir = join(DATA_DIR, 'test', `run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const state: GlobalTemporalState = { runDir };
  globalThis.__temporalTestState = state;

  const existing = process.env[TEST_ADDRESS_VAR];
  const serverReady = existing
    ? registerSearchAttributes(existing)
    : startDevServer({ cliPath: binaries.cli, port: 0, uiPort: false, dbFile: false, detached: false }).then((server) => {
        state.server = server;
        process.env[TEST_ADDRESS_VAR] = server.address;
      });
  await Promise.all([serverReady, bundle('onboarding', runDir), bundle('harness', runDir)]);
}
