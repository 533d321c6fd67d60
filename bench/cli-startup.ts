/*
 * How long one CLI call takes, start to exit, as a user runs it: the compiled CLI (`npx onboarding`,
 * which is `node dist/client.js` behind npm's own start-up) and the `npm run cli` form (tsx compiling
 * TypeScript at start). `--help` needs no server; `status` makes one round trip to a local Temporal
 * dev server (in memory) for a tenant it does not know, so it measures start-up plus a connection.
 *   npx tsx bench/cli-startup.ts [--runs 5]
 * Builds dist/ first when it is missing (npm run build). Prints min/median/max wall time per form.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalBinaries } from '../src/temporal/binaries';
import { startDevServer } from '../src/temporal/dev-server';

const ROOT = join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function wallTimes(command: string, args: string[], env: NodeJS.ProcessEnv): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: ROOT, env, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    // `status` of an unknown tenant ends with 4 (not found); anything else means the call did not work.
    if (run.status !== 0 && run.status !== 4) throw new Error(`${command} ${args.join(' ')} exited ${run.status}`);
  }
  return times.sort((a, b) => a - b);
}

const figures = (t: number[]) => `min ${t[0].toFixed(0)} ms, median ${t[Math.floor(t.length / 2)].toFixed(0)} ms, max ${t[t.length - 1].toFixed(0)} ms`;

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'client.js'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const server = await startDevServer({ cliPath: ensureTemporalBinaries().cli, port: 0, uiPort: false, dbFile: false, logLevel: 'error' });
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, ONBOARDING_CODEC_KEY: randomBytes(32).toString('base64') };
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const forms: [string, string, string[]][] = [
    // Node itself, for scale: what the machine's load does to any process start.
    ['node -e 0 (Node alone)', process.execPath, ['-e', '0']],
    ['node dist/client.js --help', process.execPath, ['dist/client.js', '--help']],
    ['node dist/client.js status', process.execPath, ['dist/client.js', 'status', 'bench-unknown-tenant']],
    ['npx onboarding status', 'npx', ['--no-install', 'onboarding', 'status', 'bench-unknown-tenant']],
    // npm's own start-up, which every npx call pays before the CLI starts.
    ['npx --version (npm alone)', 'npx', ['--version']],
    ['npm run cli -- status (tsx)', tsx, ['src/client.ts', 'status', 'bench-unknown-tenant']],
  ];
  try {
    console.log(`CLI start-up: wall time of one call, ${RUNS} run(s) each, local dev server in memory`);
    for (const [name, command, args] of forms) console.log(`  ${name.padEnd(30)} ${figures(wallTimes(command, args, env))}`);
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
