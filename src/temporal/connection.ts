import { Client, Connection, DataConverter } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

/**
 * Connection settings follow Temporal's own conventions (@temporalio/envconfig): TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and the TOML config file
 * (TEMPORAL_CONFIG_FILE). The same worker and CLI therefore run against the embedded dev server,
 * a self-hosted cluster or Temporal Cloud by configuration alone.
 */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** True when an address came from the environment or a config profile, not from the local default. */
  configured: boolean;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export const LOCAL_ADDRESS = '127.0.0.1:7233';

export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const address = loaded.connectionOptions.address;
  return {
    address: address ?? LOCAL_ADDRESS,
    namespace: loaded.namespace ?? 'default',
    configured: Boolean(address),
    connectionOptions: { ...loaded.connectionOptions, address: address ?? LOCAL_ADDRESS },
  };
}

export async function connectClient(settings: TemporalSettings, dataConverter?: DataConverter): Promise<{ client: Client; close: () => Promise<void> }> {
  const { address, tls, apiKey, metadata } = settings.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return { client: new Client({ connection, namespace: settings.namespace, dataConverter }), close: () => connection.close() };
}

export function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(settings.connectionOptions);
}
