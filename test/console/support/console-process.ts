import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** A port free right now on 127.0.0.1 (the console's redirect URI must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface ConsoleProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `npm run console` as a user runs it: a child process (openid-client is an ES module, which the
 * CommonJS test runner cannot load, and a real process is what people run anyway).
 */
export async function startConsoleProcess(env: NodeJS.ProcessEnv): Promise<ConsoleProcess> {
  const child: ChildProcess = spawn(TSX, ['src/console/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the console did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /\[console\] (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the console exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A TCP relay to Temporal that can be cut and restored: what a console sees when the server goes away
 * (a restart, a network cut) and comes back on the same address.
 */
export class CuttableRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: string): Promise<CuttableRelay> {
    const [host, port] = target.split(':');
    const relay = new CuttableRelay(await freePort(), { host, port: Number(port) });
    await relay.restore();
    return relay;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  restore(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target.port, this.target.host);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    this.server = server;
    return new Promise((done) => server.listen(this.port, '127.0.0.1', () => done()));
  }

  /** Closes the port and every connection through it. */
  cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    return new Promise((done) => (server ? server.close(() => done()) : done()));
  }
}
