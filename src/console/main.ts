/**
 * `npm run console`: the web console on its own, against the configured Temporal server
 * (TEMPORAL_ADDRESS etc., as the CLI) and Okta org (CONSOLE_OIDC_*, or CONSOLE_SANDBOX_OKTA_URL for
 * the sandbox; see src/console/start.ts). The tenants' secret references (OKTA_API_TOKEN…) in this
 * process's environment let the inbox ask Okta live whether an assignment is there; without them
 * it says it could not check.
 */
import { loadTemporalSettings } from '../temporal/connection';
import { createDataConverter } from '../temporal/data-converter';
import { ConsoleConfigError } from './config';
import { ConsoleNotConfigured, signInHint, startConsoleFromEnv } from './start';
import { LazyTemporal } from './temporal-access';

async function main(): Promise<void> {
  const temporal = new LazyTemporal(loadTemporalSettings(), createDataConverter());
  const running = await startConsoleFromEnv(temporal);
  console.log(`[console] ${running.url} (${signInHint()}; Temporal ${temporal.address})`);
  const stop = async () => {
    await running.close();
    await temporal.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  const bad = err instanceof ConsoleConfigError || err instanceof ConsoleNotConfigured;
  console.error(bad ? `[console] ${err.message}` : `[console] failed: ${err.message}`);
  process.exit(bad ? 2 : 1);
});
