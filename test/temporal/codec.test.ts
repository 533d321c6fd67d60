import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, keyIdOf, CodecKeyError } from '../../src/temporal/codec';
import { loadCodecKeys } from '../../src/temporal/data-converter';

const key = (bytes = randomBytes(32)) => ({ id: keyIdOf(bytes), key: bytes });

describe('payload encryption codec', () => {
  const secret = 'client-secret-Zq8v3';
  const payload = defaultPayloadConverter.toPayload({ clientSecret: secret });

  it('round-trips a payload and leaves no plaintext in the encoded bytes', async () => {
    const codec = new EncryptionCodec(key());
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded.data!).toString('latin1')).not.toContain(secret);
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ clientSecret: secret });
  });

  it('decodes with a previous key after rotation and names an unknown key id', async () => {
    const old = key();
    const [encoded] = await new EncryptionCodec(old).encode([payload]);
    await expect(new EncryptionCodec(key(), [old]).decode([encoded])).resolves.toHaveLength(1);
    await expect(new EncryptionCodec(key()).decode([encoded])).rejects.toThrow(CodecKeyError);
  });

  it('refuses a key of the wrong size with the variable named', () => {
    expect(() => loadCodecKeys({ ONBOARDING_CODEC_KEY: Buffer.from('short').toString('base64') })).toThrow(/ONBOARDING_CODEC_KEY must be 32 bytes/);
  });
});
