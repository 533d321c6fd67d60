import { resolve } from 'node:path';

/**
 * Workflow bundles jest's global setup builds once per run. Tests load them by path from the env
 * var, so no test file pays for webpack again.
 */
export const WORKFLOW_BUNDLES = {
  /** The product's workflows (src/workflows/index.ts). */
  onboarding: { workflowsPath: resolve(__dirname, '../../src/workflows/index.ts'), envVar: 'ONBOARDING_WORKFLOW_BUNDLE' },
  /** Test-only workflows that prove the harness itself. */
  harness: { workflowsPath: resolve(__dirname, '../fixtures/harness-workflows/index.ts'), envVar: 'HARNESS_WORKFLOW_BUNDLE' },
} as const;

export type WorkflowBundleName = keyof typeof WORKFLOW_BUNDLES;

/** Set instead of the path when bundling failed, so only the tests needing that bundle fail. */
export const bundleErrorVar = (name: WorkflowBundleName) => `${WORKFLOW_BUNDLES[name].envVar}_ERROR`;

/** Address of the run's shared dev server, or of one you started yourself (then nothing is started). */
export const TEST_ADDRESS_VAR = 'TEMPORAL_TEST_ADDRESS';
