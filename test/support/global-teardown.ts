import { rmSync } from 'node:fs';

/** Stops what globalSetup started (the shared dev server) and removes this run's bundles. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__temporalTestState;
  if (!state) return;
  await state.server?.stop();
  rmSync(state.runDir, { recursive: true, force: true });
}
