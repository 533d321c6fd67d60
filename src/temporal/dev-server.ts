import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { DATA_DIR } from './paths';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** Closed runs stay visible in the Web UI for a month on the embedded server. */
export const DEFAULT_RETENTION_DAYS = 30;

/** Where `npm run dev` keeps its SQLite database, so runs survive a restart. */
export const DEFAULT_DB_FILE = join(DATA_DIR, 'temporal', 'temporal.db');

export interface DevServerOptions {
  /** Absolute path of the Temporal CLI (see ensureTemporalCli()). */
  cliPath: string;
  /** Interface the frontend and the UI bind to. @default '127.0.0.1' */
  ip?: string;
  /** Frontend gRPC port; 0 picks a free one. @default 7233 */
  port?: number;
  /** Web UI port; `false` runs headless. @default 8233 */
  uiPort?: number | false;
  /** SQLite file, so runs survive a restart; `false` keeps everything in memory. @default .data/temporal/temporal.db */
  dbFile?: string | false;
  /** Namespace created at start and checked for readiness. @default 'default' */
  namespace?: string;
  /** Registered at start (`--search-attribute Name=Type`). @default SEARCH_ATTRIBUTES */
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  /** Codec server the Web UI calls to show decrypted payloads. @default undefined (UI shows ciphertext) */
  uiCodecEndpoint?: string;
  /** Server log level; its logs go to stderr. @default 'warn' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /**
   * How long the namespace keeps closed runs. The CLI creates namespaces with 24 hours, after which
   * `temporal workflow show` and the Web UI no longer find a run (the tenant record keeps the audit
   * regardless). `false` leaves the server's own setting. @default DEFAULT_RETENTION_DAYS days
   */
  retentionDays?: number | false;
  /** Extra flags, e.g. `--dynamic-config-value KEY=JSON`. @default [] */
  extraArgs?: string[];
  /**
   * Run the server in its own process group, so a terminal Ctrl-C reaches only this process,
   * which can then drain the worker before stopping the server. @default true
   */
  detached?: boolean;
  /** Forward the server's stderr to ours (otherwise it is kept for error messages). @default false */
  inheritStderr?: boolean;
  /** How long to wait for the namespace to answer. @default 30000 */
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL. @default 10000 */
  stopTimeoutMs?: number;
}

export type DevServerErrorCode = 'TEMPORAL_PORT_IN_USE' | 'TEMPORAL_DEV_SERVER_EXITED' | 'TEMPORAL_DEV_SERVER_TIMEOUT';

export class DevServerError extends Error {
  override readonly name = 'DevServerError';
  constructor(
    readonly code: DevServerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RunningDevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** Web UI, unless headless. */
  uiUrl?: string;
  pid: number;
  /** SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `--search-attribute Name=Type` flags, as the CLI spells the types. */
export function searchAttributeFlags(keys: SearchAttributeKey<SearchAttributeType>[]): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

export function isPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setRetention(address: string, namespace: string, days: number): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) } });
  } finally {
    await connection.close();
  }
}

/** Ready means the namespace answers over gRPC, not merely that the port accepts connections. */
async function namespaceAnswers(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * Starts `temporal server start-dev` with SQLite persistence, the Web UI and the project's search
 * attributes, and resolves once the namespace answers.
 *
 * A taken port is an error, never silently reused: the process holding it might be an old server
 * without our search attributes, or not Temporal at all. To use a server that is already running,
 * set TEMPORAL_ADDRESS (then local commands start nothing).
 */
export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port === 0 ? await freePort(ip) : (opts.port ?? 7233);
  const uiPort = opts.uiPort ?? 8233;
  const namespace = opts.namespace ?? 'default';
  const dbFile = opts.dbFile ?? DEFAULT_DB_FILE;

  for (const [what, p] of [['gRPC', port], ['Web UI', uiPort]] as const) {
    if (p !== false && (await isPortOpen(ip, p))) {
      throw new DevServerError(
        'TEMPORAL_PORT_IN_USE',
        `Cannot start the Temporal dev server: ${ip}:${p} (${what}) is already in use. If a Temporal server is running there (another \`npm run dev\`?), set TEMPORAL_ADDRESS=${ip}:${port} to use it instead; otherwise stop whatever holds the port.`,
      );
    }
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', opts.logLevel ?? 'warn'];
  if (dbFile !== false) {
    mkdirSync(dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
  }
  args.push(...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  args.push(...searchAttributeFlags(opts.searchAttributes ?? SEARCH_ATTRIBUTES), ...(opts.extraArgs ?? []));

  const child = spawn(opts.cliPath, args, {
    stdio: ['ignore', 'ignore', opts.inheritStderr ? 'inherit' : 'pipe'],
    detached: opts.detached ?? true,
  });
  // The server lives exactly as long as this process: it must not keep the event loop alive
  // (jest would hang after its tests), and the exit hook below stops it when the process ends.
  child.unref();
  (child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  // Should this process die without calling stop(), do not leave a server behind.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    // A binary that failed to spawn never emits 'exit'; one that already exited has nothing to stop.
    if (spawnError || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.stopTimeoutMs ?? 10_000);
    await exited;
    clearTimeout(timer);
  };

  const address = `${ip}:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      const why = spawnError?.message || stderrTail.trim() || `exit code ${child.exitCode}`;
      throw new DevServerError('TEMPORAL_DEV_SERVER_EXITED', `The Temporal dev server (${opts.cliPath}) exited during start-up: ${why}`);
    }
    if ((await isPortOpen(ip, port)) && (await namespaceAnswers(address, namespace))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new DevServerError('TEMPORAL_DEV_SERVER_TIMEOUT', `The Temporal dev server did not answer on ${address} within ${opts.startTimeoutMs ?? 30_000} ms. ${stderrTail.trim()}`);
    }
    await sleep(150);
  }
  const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (retentionDays !== false) await setRetention(address, namespace, retentionDays);

  return {
    address,
    namespace,
    uiUrl: uiPort === false ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid!,
    stop,
  };
}
