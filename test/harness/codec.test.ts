import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { CodecError, EncryptionCodec, keyIdOf } from '../../src/temporal/codec';

const newKey = (bytes = randomBytes(32)) => ({ id: keyIdOf(bytes), key: bytes });

describe('the payload encryption codec', () => {
  const secret = 'client-secret-Zq8v3';
  const payload = defaultPayloadConverter.toPayload({ clientSecret: secret });

  it('round-trips a payload, metadata included', async () => {
    const codec = new EncryptionCodec(newKey());
    const [decoded] = await codec.decode(await codec.encode([payload]));
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ clientSecret: secret });
    expect(Buffer.from(decoded.metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('leaves no plaintext in the encoded bytes, only the encoding and the key id', async () => {
    const key = newKey();
    const [encoded] = await new EncryptionCodec(key).encode([payload]);
    expect(Buffer.from(encoded.data!).includes(secret)).toBe(false);
    expect(Buffer.from(encoded.data!).includes('json/plain')).toBe(false);
    expect(Object.keys(encoded.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.metadata!['encryption-key-id']!).toString()).toBe(key.id);
  });

  it('uses a fresh IV per payload', async () => {
    const codec = new EncryptionCodec(newKey());
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('decodes with a previous key after rotation', async () => {
    const old = newKey();
    const [encoded] = await new EncryptionCodec(old).encode([payload]);
    const [decoded] = await new EncryptionCodec(newKey(), [old]).decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ clientSecret: secret });
  });

  it('names an unknown key id and how to add it', async () => {
    const [encoded] = await new EncryptionCodec({ id: 'retired-2025', key: randomBytes(32) }).encode([payload]);
    await expect(new EncryptionCodec(newKey()).decode([encoded])).rejects.toMatchObject({
      code: 'CODEC_KEY_UNKNOWN',
      message: expect.stringMatching(/key id "retired-2025", which is not in the keyring.*ONBOARDING_CODEC_PREVIOUS_KEYS/),
    });
  });

  it('rejects a tampered payload, or the wrong key under a known id, as a typed error', async () => {
    const key = newKey();
    const [encoded] = await new EncryptionCodec(key).encode([payload]);
    const tampered = Buffer.from(encoded.data!);
    tampered[20] ^= 1;
    await expect(new EncryptionCodec(key).decode([{ ...encoded, data: tampered }])).rejects.toMatchObject({ code: 'CODEC_DECRYPT_FAILED' });
    await expect(new EncryptionCodec({ id: key.id, key: randomBytes(32) }).decode([encoded])).rejects.toBeInstanceOf(CodecError);
  });

  it('passes through payloads that were never encrypted', async () => {
    await expect(new EncryptionCodec(newKey()).decode([payload])).resolves.toEqual([payload]);
  });
});
