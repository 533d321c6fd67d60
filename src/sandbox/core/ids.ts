import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Okta-style opaque id: a 3-character type prefix and 17 random alphanumerics (e.g. `0oa…`, `00g…`, `aus…`). */
export function oktaId(prefix: string): string {
  return prefix + randomAlphanumeric(20 - prefix.length);
}

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

export function uuid(): string {
  return crypto.randomUUID();
}
