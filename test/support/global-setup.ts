import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporalBinaries } from '../../src/temporal/binaries';

export const TEST_DATA_DIR = resolve(__dirname, '../../.data/test');

/**
 * Once per jest run: make sure the real Temporal binaries are there (installing them if needed)
 * and bundle the workflows once; test files load the bundle by path instead of re-bundling.
 */
export default async function globalSetup(): Promise<void> {
  const { cli, testServer } = ensureTemporalBinaries();
  process.env.TEMPORAL_CLI_PATH = cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const bundles: Record<string, string> = {
    ONBOARDING_WORKFLOW_BUNDLE: resolve(__dirname, '../../src/workflows/index.ts'),
    HARNESS_WORKFLOW_BUNDLE: resolve(__dirname, '../fixtures/harness-workflows/index.ts'),
  };
  for (const [envVar, workflowsPath] of Object.entries(bundles)) {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    const file = join(TEST_DATA_DIR, `${envVar.toLowerCase()}.js`);
    writeFileSync(file, code);
    process.env[envVar] = file;
  }
}
