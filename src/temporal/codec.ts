import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export type CodecErrorCode = 'CODEC_KEY_INVALID' | 'CODEC_KEY_UNKNOWN' | 'CODEC_DECRYPT_FAILED';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Whether a failure (or one of its causes) is a payload this keyring cannot decrypt: typed, never by message. */
export function isUndecodable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof CodecError && (e.code === 'CODEC_KEY_UNKNOWN' || e.code === 'CODEC_DECRYPT_FAILED')) return true;
  }
  return false;
}

/** A 32-byte AES key and the id written beside every payload it encrypts. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** Default key id: names the key without revealing it (first 8 hex of its SHA-256). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/**
 * Encrypts whole payloads with AES-256-GCM (12-byte random IV, 16-byte tag): the original
 * metadata (encoding, type hints) is encrypted too, so history shows only `binary/encrypted` and
 * the key id. New payloads use the current key; decoding accepts every key of the keyring, which
 * lets keys rotate without losing old histories.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keyring: ReadonlyMap<string, Buffer>;

  constructor(
    private readonly current: CodecKey,
    previous: CodecKey[] = [],
  ) {
    for (const k of [current, ...previous]) {
      if (k.key.length !== KEY_BYTES) throw new CodecError('CODEC_KEY_INVALID', `Codec key "${k.id}" must be ${KEY_BYTES} bytes (got ${k.key.length}).`);
    }
    // The current key wins if a previous entry reuses its id.
    this.keyring = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  get keyIds(): string[] {
    return [...this.keyring.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.current.id) },
        data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was enabled pass through untouched.
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      const key = this.keyring.get(keyId);
      if (!key) {
        throw new CodecError('CODEC_KEY_UNKNOWN', `Payload was encrypted with key id "${keyId}", which is not in the keyring (known: ${this.keyIds.join(', ')}). Add that key to ONBOARDING_CODEC_PREVIOUS_KEYS as "${keyId}:<base64>".`);
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError('CODEC_DECRYPT_FAILED', `Encrypted payload (key id "${keyId}") is truncated.`);
      try {
        const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain) as Payload;
      } catch {
        throw new CodecError('CODEC_DECRYPT_FAILED', `Encrypted payload (key id "${keyId}") failed authentication: it was altered, or the key registered under that id is not the one that encrypted it.`);
      }
    });
  }
}
