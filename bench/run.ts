/*
 * `npm run bench [-- name…]`: runs the benchmarks one after the other, each in its own process so
 * one's servers and sockets cannot skew the next, and prints their figures. Names: okta-sandbox,
 * anypoint-sandbox, onboarding, access-requests, cli-startup (default: all). Figures only; nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES: Record<string, string[]> = {
  'okta-sandbox': ['bench/okta-sandbox.ts', '5'],
  'anypoint-sandbox': ['bench/anypoint-sandbox.ts'],
  onboarding: ['bench/onboarding.ts', '--runs', '3'],
  'access-requests': ['bench/access-requests.ts', '--requests', '5'],
  'cli-startup': ['bench/cli-startup.ts', '--runs', '5'],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const root = join(__dirname, '..');
let failed = 0;
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), BENCHES[name], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
