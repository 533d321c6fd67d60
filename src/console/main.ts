/**
 * `npm run console`: the web console on its own, against the configured Temporal server
 * (TEMPORAL_ADDRESS etc., as the CLI) and Okta org (CONSOLE_OIDC_*; see src/console/config.ts).
 * The tenants' secret references (OKTA_API_TOKEN…) in this process's environment let the inbox
 * ask Okta live whether an assignment is there; without them it says it could not check.
 */
import { loadTemporalSettings } from '../temporal/connection';
import { createDataConverter } from '../temporal/data-converter';
import { ConsoleConfigError, loadConsoleConfig } from './config';
import { startConsole } from './server';
import { LazyTemporal } from './temporal-access';

async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const temporal = new LazyTemporal(await loadTemporalSettings(), await createDataConverter());
  const running = await startConsole({ config, temporal });
  console.log(`[console] ${running.url} (sign-in with ${config.oidc.issuer}; approvers: Okta group ${config.approversGroup}; Temporal ${temporal.address})`);
  const stop = async () => {
    await running.close();
    await temporal.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(err instanceof ConsoleConfigError ? err.message : `[console] failed: ${err.message}`);
  process.exit(err instanceof ConsoleConfigError ? 2 : 1);
});
