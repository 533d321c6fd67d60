/**
 * `npm run temporal -- <arguments>`: the project's Temporal CLI (the binary `npm run setup` installs, or
 * TEMPORAL_CLI_PATH, or one on PATH) with a payload codec, so `workflow show`, `workflow describe` and the
 * others print decrypted inputs and results instead of ciphertext. The codec server runs in this process
 * on a free loopback port with the codec keys of this terminal (the same settings as the project's CLI),
 * for as long as the command runs. TEMPORAL_ADDRESS and the other TEMPORAL_* settings pass through;
 * a TEMPORAL_CODEC_ENDPOINT already set is used as it is.
 */
import { spawn } from 'node:child_process';
import { ensureTemporalCli, TemporalBinaryError } from '../src/temporal/binaries';
import { CodecError } from '../src/temporal/codec';
import { startCodecServer } from '../src/temporal/codec-server';
import { createEncryptionCodec } from '../src/temporal/data-converter';

async function main(args: string[]): Promise<number> {
  const binary = ensureTemporalCli();
  const own = process.env.TEMPORAL_CODEC_ENDPOINT ? undefined : await startCodecServer({ codec: createEncryptionCodec(), port: 0 });
  try {
    const child = spawn(binary, args, { stdio: 'inherit', env: { ...process.env, ...(own ? { TEMPORAL_CODEC_ENDPOINT: own.url } : {}) } });
    // Ctrl-C reaches the child through the terminal; this process only waits for it.
    process.on('SIGINT', () => undefined);
    return await new Promise<number>((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
  } finally {
    await own?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof TemporalBinaryError || err instanceof CodecError) {
      console.error(`npm run temporal: ${err.message}`);
      process.exit(2);
    }
    throw err;
  },
);
