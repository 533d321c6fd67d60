import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CodecError, KEY_BYTES, keyIdOf, type CodecKey } from './codec';
import { DATA_DIR } from './paths';

/** Where a checkout keeps its own key when none is configured (git-ignored, mode 0600). */
export const LOCAL_KEY_FILE = join(DATA_DIR, 'codec.key');

export interface CodecKeyring {
  /** Encrypts new payloads. */
  current: CodecKey;
  /** Still accepted for decoding (rotation). */
  previous: CodecKey[];
  /** Where the current key came from, for logs: never the key itself. */
  source: 'ONBOARDING_CODEC_KEY' | 'ONBOARDING_CODEC_KEY_FILE' | 'local key file';
}

function parseKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CodecError('CODEC_KEY_INVALID', `${source} must be ${KEY_BYTES} bytes encoded in base64 (got ${key.length} bytes). Generate one with: openssl rand -base64 32`);
  }
  return key;
}

function readKeyFile(path: string, source: string): Buffer {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CodecError('CODEC_KEY_INVALID', `${source}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  return parseKey(content, `${source} (${path})`);
}

/**
 * Creates the local key exactly once, even when several processes (jest workers, worker + CLI)
 * start together: the key is written to a private temp file and hard-linked into place, which
 * fails if another process won the race; everyone then reads the winner's key.
 */
function localKey(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temp, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(temp, 0o600); // the umask may have widened it
    try {
      linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(temp, { force: true });
    }
  }
  return readKeyFile(file, 'local codec key');
}

/** `id:base64` or just `base64` (id derived), comma-separated. */
function parsePrevious(list: string | undefined): CodecKey[] {
  return (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      const key = parseKey(colon >= 0 ? entry.slice(colon + 1) : entry, `ONBOARDING_CODEC_PREVIOUS_KEYS[${i}]`);
      return { id: colon >= 0 ? entry.slice(0, colon).trim() : keyIdOf(key), key };
    });
}

export interface LoadCodecKeysOptions {
  /** Used when neither ONBOARDING_CODEC_KEY nor ONBOARDING_CODEC_KEY_FILE is set. @default .data/codec.key */
  localKeyFile?: string;
}

/**
 * The keyring from the environment: ONBOARDING_CODEC_KEY (base64), else ONBOARDING_CODEC_KEY_FILE,
 * else a key made once for this checkout. ONBOARDING_CODEC_KEY_ID names the current key (default:
 * derived from it); ONBOARDING_CODEC_PREVIOUS_KEYS keeps rotated-out keys readable.
 */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env, opts: LoadCodecKeysOptions = {}): CodecKeyring {
  let key: Buffer;
  let source: CodecKeyring['source'];
  if (env.ONBOARDING_CODEC_KEY?.trim()) {
    key = parseKey(env.ONBOARDING_CODEC_KEY, 'ONBOARDING_CODEC_KEY');
    source = 'ONBOARDING_CODEC_KEY';
  } else if (env.ONBOARDING_CODEC_KEY_FILE?.trim()) {
    key = readKeyFile(env.ONBOARDING_CODEC_KEY_FILE.trim(), 'ONBOARDING_CODEC_KEY_FILE');
    source = 'ONBOARDING_CODEC_KEY_FILE';
  } else {
    key = localKey(opts.localKeyFile ?? LOCAL_KEY_FILE);
    source = 'local key file';
  }
  const id = env.ONBOARDING_CODEC_KEY_ID?.trim() || keyIdOf(key);
  return { current: { id, key }, previous: parsePrevious(env.ONBOARDING_CODEC_PREVIOUS_KEYS), source };
}
