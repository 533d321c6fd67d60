import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { SEARCH_ATTRIBUTES } from './search-attributes';

export const DATA_DIR = resolve(__dirname, '../../.data');

export interface DevServerOptions {
  /** Absolute path of the Temporal CLI. */
  cliPath: string;
  /** @default '127.0.0.1' */
  ip?: string;
  /** @default 7233 */
  port?: number;
  /** Web UI port; `false` runs headless. @default 8233 */
  uiPort?: number | false;
  /** SQLite file, so runs survive a restart. @default .data/temporal/temporal.db */
  dbFile?: string;
  /** How long to wait for the frontend to accept connections. @default 30000 */
  startTimeoutMs?: number;
}

export class DevServerError extends Error {
  readonly code = 'TEMPORAL_DEV_SERVER_FAILED';
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts `temporal server start-dev` with SQLite persistence, the Web UI and the project's search
 * attributes. Refuses to start over a port that is already taken: point TEMPORAL_ADDRESS at that
 * server instead.
 */
export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort === undefined ? 8233 : opts.uiPort;
  const dbFile = opts.dbFile ?? join(DATA_DIR, 'temporal', 'temporal.db');
  if (await portOpen(ip, port)) {
    throw new DevServerError(`Port ${ip}:${port} is already in use. If a Temporal server runs there, set TEMPORAL_ADDRESS=${ip}:${port} to use it; otherwise free the port.`);
  }
  mkdirSync(resolve(dbFile, '..'), { recursive: true });
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--db-filename', dbFile, '--log-level', 'warn'];
  args.push(...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]));
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);

  const child: ChildProcess = spawn(opts.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  while (!(await portOpen(ip, port))) {
    if (child.exitCode !== null) throw new DevServerError(`The Temporal dev server exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DevServerError(`The Temporal dev server did not open ${ip}:${port} in time: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: `${ip}:${port}`,
    uiUrl: uiPort === false ? undefined : `http://${ip}:${uiPort}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
