import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { keyIdOf } from '../../src/temporal/codec';
import { loadCodecKeys } from '../../src/temporal/codec-keys';
import { createDataConverter } from '../../src/temporal/data-converter';

const b64 = (key: Buffer) => key.toString('base64');

describe('codec keys from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codec-keys-'));

  it('uses ONBOARDING_CODEC_KEY, named by a hash unless ONBOARDING_CODEC_KEY_ID says otherwise', () => {
    const key = randomBytes(32);
    expect(loadCodecKeys({ ONBOARDING_CODEC_KEY: b64(key) }).current).toEqual({ id: keyIdOf(key), key });
    expect(loadCodecKeys({ ONBOARDING_CODEC_KEY: b64(key), ONBOARDING_CODEC_KEY_ID: 'prod-2026-11' }).current.id).toBe('prod-2026-11');
  });

  it('reads ONBOARDING_CODEC_KEY_FILE', () => {
    const key = randomBytes(32);
    const file = join(dir, 'mounted.key');
    writeFileSync(file, `${b64(key)}\n`);
    expect(loadCodecKeys({ ONBOARDING_CODEC_KEY_FILE: file })).toMatchObject({ current: { key }, source: 'ONBOARDING_CODEC_KEY_FILE' });
  });

  it('creates a local key once (mode 0600) and reuses it', () => {
    const file = join(dir, 'local', 'codec.key');
    const first = loadCodecKeys({}, { localKeyFile: file });
    expect(first.source).toBe('local key file');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCodecKeys({}, { localKeyFile: file }).current).toEqual(first.current);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first.current.key);
  });

  it('keeps rotated-out keys, with their ids, for decoding', () => {
    const old = randomBytes(32);
    const older = randomBytes(32);
    const { previous } = loadCodecKeys({ ONBOARDING_CODEC_KEY: b64(randomBytes(32)), ONBOARDING_CODEC_PREVIOUS_KEYS: `prod-2026-10:${b64(old)}, ${b64(older)}` });
    expect(previous).toEqual([
      { id: 'prod-2026-10', key: old },
      { id: keyIdOf(older), key: older },
    ]);
  });

  it('refuses a key of the wrong size, naming the variable and never echoing the value', () => {
    const value = Buffer.from('short-but-secret').toString('base64');
    expect(() => loadCodecKeys({ ONBOARDING_CODEC_KEY: value })).toThrow(/ONBOARDING_CODEC_KEY must be 32 bytes encoded in base64 \(got 16 bytes\)/);
    try {
      loadCodecKeys({ ONBOARDING_CODEC_KEY: value });
    } catch (err) {
      expect((err as Error).message).not.toContain(value);
    }
  });

  it('reports an unreadable key file by its variable', () => {
    expect(() => loadCodecKeys({ ONBOARDING_CODEC_KEY_FILE: join(dir, 'absent.key') })).toThrow(/ONBOARDING_CODEC_KEY_FILE: cannot read .*absent.key \(ENOENT\)/);
  });

  it('gives client, worker and replay the same codec when they share the environment', async () => {
    const env = { ONBOARDING_CODEC_KEY: b64(randomBytes(32)) };
    const [encoded] = await createDataConverter(env).payloadCodecs![0].encode([defaultPayloadConverter.toPayload('x')]);
    const [decoded] = await createDataConverter(env).payloadCodecs![0].decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toBe('x');
  });
});
