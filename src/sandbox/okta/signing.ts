import { createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, sign, verify, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { nowIso } from './http';
import type { SigningKeyRecord } from './state';

/*
 * RS256 keys and JWTs for the authorization servers. Keys are real 2048-bit RSA keys kept as JWK in the
 * state (so they persist); tokens are compact JWS that any JOSE library verifies against `/v1/keys`.
 * Built on node:crypto rather than jose: jose 6 is ESM-only and could not be loaded by the CommonJS
 * test runner on Node 20, and signing a JWS needs nothing jose adds.
 */

const generateKeyPairAsync = promisify(generateKeyPair);

const base64url = (input: Buffer | string): string => Buffer.from(input).toString('base64url');

/** RFC 7638 thumbprint: Okta's `kid`s look like one (43 base64url characters). */
function thumbprint(jwk: Record<string, string>): string {
  return base64url(createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest());
}

function toRecord(privateKey: KeyObject, status: SigningKeyRecord['status']): SigningKeyRecord {
  const privateJwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  const kid = thumbprint(publicJwk);
  const at = nowIso();
  return {
    kid,
    status,
    created: at,
    lastUpdated: at,
    privateJwk: { ...privateJwk, kid, alg: 'RS256', use: 'sig' },
    publicJwk: { kty: 'RSA', alg: 'RS256', kid, use: 'sig', e: publicJwk.e, n: publicJwk.n },
  };
}

/** Synchronous, for seeding (the kit's seed() is synchronous); ~0.1 s. */
export function generateSigningKeySync(status: SigningKeyRecord['status'] = 'ACTIVE'): SigningKeyRecord {
  return toRecord(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, status);
}

/** Off the event loop, for authorization servers created through the API. */
export async function generateSigningKey(status: SigningKeyRecord['status'] = 'ACTIVE'): Promise<SigningKeyRecord> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return toRecord(privateKey, status);
}

/**
 * A new authorization server's keys, as Okta gives it: the ACTIVE key that signs, and the NEXT
 * one it will switch to at the next rotation, both published in `/v1/keys` (so clients must pick
 * the key by the token's `kid`, not take the first).
 */
export async function generateSigningKeys(): Promise<SigningKeyRecord[]> {
  return Promise.all([generateSigningKey('ACTIVE'), generateSigningKey('NEXT')]);
}

export function generateSigningKeysSync(): SigningKeyRecord[] {
  return [generateSigningKeySync('ACTIVE'), generateSigningKeySync('NEXT')];
}

// Imported KeyObjects are derived data: cached by kid, never stored in the state.
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function privateKeyOf(key: SigningKeyRecord): KeyObject {
  let k = privateKeys.get(key.kid);
  if (!k) privateKeys.set(key.kid, (k = createPrivateKey({ key: key.privateJwk, format: 'jwk' })));
  return k;
}

function publicKeyOf(key: SigningKeyRecord): KeyObject {
  let k = publicKeys.get(key.kid);
  if (!k) publicKeys.set(key.kid, (k = createPublicKey({ key: key.publicJwk, format: 'jwk' })));
  return k;
}

export function signJwt(key: SigningKeyRecord, payload: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ kid: key.kid, alg: 'RS256' }));
  const body = base64url(JSON.stringify(payload));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), privateKeyOf(key));
  return `${header}.${body}.${base64url(signature)}`;
}

/** The payload of a JWT signed by one of `keys`; undefined when it is not one (bad shape, kid or signature). */
export function verifyJwt(token: string, keys: SigningKeyRecord[]): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { kid?: string; alg?: string };
    const key = keys.find((k) => k.kid === header.kid);
    if (!key || header.alg !== 'RS256') return undefined;
    const ok = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKeyOf(key), Buffer.from(parts[2], 'base64url'));
    if (!ok) return undefined;
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** OIDC `at_hash`/`c_hash`: left half of SHA-256, base64url. */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest();
  return base64url(digest.subarray(0, digest.length / 2));
}
