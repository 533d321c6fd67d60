import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { CodecKey, EncryptionCodec, keyIdOf } from './codec';
import { DATA_DIR } from './dev-server';

export class CodecConfigError extends Error {
  readonly code = 'CODEC_KEY_INVALID';
}

/** Where the local key lives when none is configured (git-ignored, mode 0600). */
export const LOCAL_KEY_FILE = join(DATA_DIR, 'codec.key');

function parseKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new CodecConfigError(`${source} must be 32 bytes encoded in base64 (got ${key.length} bytes). Generate one with: openssl rand -base64 32`);
  return key;
}

/**
 * The current key: ONBOARDING_CODEC_KEY (base64), else ONBOARDING_CODEC_KEY_FILE, else a key made
 * once for this checkout in .data/codec.key. ONBOARDING_CODEC_KEY_ID names it (default: a hash).
 * ONBOARDING_CODEC_PREVIOUS_KEYS (comma-separated base64) keeps older keys readable after rotation.
 */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): { current: CodecKey; previous: CodecKey[] } {
  let key: Buffer;
  if (env.ONBOARDING_CODEC_KEY) key = parseKey(env.ONBOARDING_CODEC_KEY, 'ONBOARDING_CODEC_KEY');
  else if (env.ONBOARDING_CODEC_KEY_FILE) key = parseKey(readFileSync(env.ONBOARDING_CODEC_KEY_FILE, 'utf8'), `ONBOARDING_CODEC_KEY_FILE (${env.ONBOARDING_CODEC_KEY_FILE})`);
  else {
    if (!existsSync(LOCAL_KEY_FILE)) {
      mkdirSync(dirname(LOCAL_KEY_FILE), { recursive: true });
      writeFileSync(LOCAL_KEY_FILE, randomBytes(32).toString('base64'), { mode: 0o600 });
      chmodSync(LOCAL_KEY_FILE, 0o600);
    }
    key = parseKey(readFileSync(LOCAL_KEY_FILE, 'utf8'), LOCAL_KEY_FILE);
  }
  const previous = (env.ONBOARDING_CODEC_PREVIOUS_KEYS ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map((k, i) => {
      const bytes = parseKey(k, `ONBOARDING_CODEC_PREVIOUS_KEYS[${i}]`);
      return { id: keyIdOf(bytes), key: bytes };
    });
  return { current: { id: env.ONBOARDING_CODEC_KEY_ID || keyIdOf(key), key }, previous };
}

/** The one data converter of the client, the worker and replay. */
export function createDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const { current, previous } = loadCodecKeys(env);
  return { payloadCodecs: [new EncryptionCodec(current, previous)] };
}
