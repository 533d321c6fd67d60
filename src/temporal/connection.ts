import { createConnection } from 'node:net';
import { Client, Connection, type DataConverter } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConnectConfig } from '@temporalio/envconfig';
// A type only: the worker package (and its native core) loads when a worker connects, not with every CLI call.
import type { NativeConnection } from '@temporalio/worker';

/**
 * Connection settings follow Temporal's own conventions (@temporalio/envconfig): TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS and TEMPORAL_TLS_*, TEMPORAL_GRPC_META_*,
 * TEMPORAL_PROFILE and the TOML file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml).
 * The same worker and CLI therefore run against the embedded dev server, a self-hosted cluster or
 * Temporal Cloud by configuration alone, and share a profile with the `temporal` CLI.
 */
export interface TemporalSettings {
  /** host:port from the environment or the profile; absent means "use the local dev server". */
  address?: string;
  /** @default 'default' */
  namespace: string;
  /** TLS options; `true` when only an API key is given (Temporal Cloud). */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
  /** True when the address came from the environment or a config profile, not from the local default. */
  configured: boolean;
}

/** Where the embedded dev server listens, and what an unconfigured client dials. */
export const LOCAL_ADDRESS = '127.0.0.1:7233';

export type TemporalConnectionErrorCode = 'TEMPORAL_CONFIG_INVALID' | 'TEMPORAL_UNREACHABLE';

export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  constructor(
    readonly code: TemporalConnectionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads the settings; `env` is injectable for tests. Throws TemporalConnectionError on a bad profile or file. */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  let profile: ClientConfigProfile;
  let options: ClientConnectConfig;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: definedOnly(env) });
    // toClientOptions applies Temporal's TLS rules (cert files, "an API key implies TLS");
    // the plain strings are read from the profile, where they keep their simple types.
    options = toClientOptions(profile);
  } catch (err) {
    const where = [env.TEMPORAL_PROFILE && `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}`, env.TEMPORAL_CONFIG_FILE && `TEMPORAL_CONFIG_FILE=${env.TEMPORAL_CONFIG_FILE}`].filter(Boolean).join(', ');
    throw new TemporalConnectionError('TEMPORAL_CONFIG_INVALID', `Cannot load the Temporal client configuration${where ? ` (${where})` : ''}: ${(err as Error).message}`, { cause: err });
  }
  const { connectionOptions, namespace } = options;
  const address = connectionOptions.address?.trim() || undefined;
  return {
    address,
    namespace: namespace?.trim() || 'default',
    tls: connectionOptions.tls ?? undefined,
    apiKey: profile.apiKey,
    metadata: profile.grpcMeta,
    configured: address !== undefined,
  };
}

/** The same settings, pointed at a server this process started (an unconfigured local run). */
export function withAddress(settings: TemporalSettings, address: string): TemporalSettings {
  return { ...settings, address };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function unreachable(settings: TemporalSettings, err: unknown): TemporalConnectionError {
  const address = settings.address ?? LOCAL_ADDRESS;
  const hint = settings.configured
    ? 'Check TEMPORAL_ADDRESS / the profile, TLS and the API key.'
    : 'Start the local stack with `npm run dev`, or set TEMPORAL_ADDRESS to a running server.';
  return new TemporalConnectionError('TEMPORAL_UNREACHABLE', `Cannot reach Temporal at ${address} (namespace ${settings.namespace}): ${(err as Error).message}. ${hint}`, { cause: err });
}

function assertListening(address: string): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((done, fail) => {
    const socket = createConnection({ host, port }, () => {
      socket.destroy();
      done();
    });
    socket.once('error', fail);
  });
}

export interface ConnectedClient {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

/**
 * Connects with `connect` (the client's or the worker's connection class), turning any failure into
 * one readable error. Locally, a refused port gets a plain answer at once (the gRPC client would
 * wait out its 10 s deadline).
 */
async function reach<C>(settings: TemporalSettings, connect: (options: Pick<TemporalSettings, 'tls' | 'apiKey' | 'metadata'> & { address: string }) => Promise<C>): Promise<C> {
  const address = settings.address ?? LOCAL_ADDRESS;
  try {
    if (!settings.configured) await assertListening(address);
    return await connect({ address, tls: settings.tls, apiKey: settings.apiKey, metadata: settings.metadata });
  } catch (err) {
    throw unreachable(settings, err);
  }
}

/** A Client with the given data converter (use createDataConverter() so payloads stay encrypted). */
export async function connectClient(settings: TemporalSettings, dataConverter?: DataConverter): Promise<ConnectedClient> {
  const connection = await reach(settings, (options) => Connection.connect(options));
  const client = new Client({ connection, namespace: settings.namespace, dataConverter });
  return { client, connection, close: () => connection.close() };
}

/** The worker's native (Rust core) connection. */
export function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  return reach(settings, async (options) => (await import('@temporalio/worker')).NativeConnection.connect(options));
}
