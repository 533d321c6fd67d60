import type { PayloadCodec } from '@temporalio/common';
import { ensureTemporalCli } from './binaries';
import { codecServerAccessFromEnv, startCodecServer, type RunningCodecServer } from './codec-server';
import { loadTemporalSettings, withAddress, type TemporalSettings } from './connection';
import { createEncryptionCodec } from './data-converter';
import { startDevServer, type DevServerOptions, type RunningDevServer } from './dev-server';

export interface LocalTemporalOptions {
  /** Read for TEMPORAL_* settings and the codec keys. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Overrides for the embedded server (ports, database file, extra flags). @default the DevServerOptions defaults */
  devServer?: Omit<DevServerOptions, 'cliPath'>;
  /**
   * Serve the codec to the Web UI so it shows decrypted payloads; `false` to skip, or the port.
   * Only with the embedded server. @default 8234
   */
  codecServerPort?: number | false;
  /** Codec the codec server uses. @default createEncryptionCodec(env) */
  codec?: PayloadCodec;
}

export interface LocalTemporal {
  /** Settings to connect with; `address` always set. */
  settings: TemporalSettings & { address: string };
  /** False when TEMPORAL_ADDRESS or a profile named a server (nothing was started). */
  startedServer: boolean;
  uiUrl?: string;
  codecServerUrl?: string;
  /** Stops what this call started (nothing, for a configured server). Idempotent. */
  stop(): Promise<void>;
}

/**
 * The Temporal server local commands (`npm run dev`, the demo) talk to: the configured one when
 * TEMPORAL_ADDRESS or a profile names it, otherwise the embedded dev server, started here with the
 * Temporal CLI (installed on first use) and, so the UI can decrypt payloads, the codec server.
 */
export async function startLocalTemporal(opts: LocalTemporalOptions = {}): Promise<LocalTemporal> {
  const env = opts.env ?? process.env;
  const settings = loadTemporalSettings(env);
  if (settings.address) {
    return { settings: { ...settings, address: settings.address }, startedServer: false, stop: async () => undefined };
  }

  const cliPath = ensureTemporalCli({ env });
  let codecServer: RunningCodecServer | undefined;
  if (opts.codecServerPort !== false) {
    codecServer = await startCodecServer({ codec: opts.codec ?? createEncryptionCodec(env), port: opts.codecServerPort ?? 8234, ...codecServerAccessFromEnv(env) });
  }
  let server: RunningDevServer;
  try {
    server = await startDevServer({ ...opts.devServer, cliPath, namespace: opts.devServer?.namespace ?? settings.namespace, uiCodecEndpoint: opts.devServer?.uiCodecEndpoint ?? codecServer?.url });
  } catch (err) {
    await codecServer?.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    settings: withAddress(settings, server.address) as TemporalSettings & { address: string },
    startedServer: true,
    uiUrl: server.uiUrl,
    codecServerUrl: codecServer?.url,
    stop: () => (stopped ??= server.stop().then(() => codecServer?.close())),
  };
}
