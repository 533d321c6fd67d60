import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { TestOkta } from './okta';

/** What the helpers need of an Okta sandbox: its URL and SSWS calls (a TestOkta, or an adapter in e2e tests). */
export type OktaCaller = Pick<TestOkta, 'url' | 'call'>;

/** An OAuth-for-Okta service app: private_key_jwt with a registered public key, and the scopes granted to it. */
export interface ServiceApp {
  id: string;
  clientId: string;
  keyId: string;
  privateKey: KeyObject;
  privateKeyPem: string;
  /** The JWS algorithm its assertions are signed with (RS256 unless made with another key). */
  alg: string;
}

/** A key pair of a service app: the private key to sign with, the public JWK to register. */
export interface SigningKey {
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
  pem: string;
  alg: string;
}

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function newRsaKey(keyId: string, alg = 'RS256'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: keyId, use: 'sig', alg },
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    alg,
  };
}

/** An ECDSA key for ES256 (P-256), ES384 (P-384) or ES512 (P-521). */
export function newEcKey(keyId: string, alg: 'ES256' | 'ES384' | 'ES512' = 'ES256'): SigningKey {
  const namedCurve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return {
    privateKey,
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: keyId, use: 'sig', alg },
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    alg,
  };
}

/** A JWS signature (RFC 7518 §3): RSASSA-PKCS1-v1_5, or ECDSA as r || s. */
export function jwsSign(alg: string, input: string, key: KeyObject): string {
  const hash = HASHES[alg.slice(2)];
  return (alg.startsWith('ES') ? sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign(hash, Buffer.from(input), key)).toString('base64url');
}

/**
 * What an Okta admin does for a service app: create it with a public key, grant its scopes, and assign its
 * admin roles (a scope allows nothing the app's roles do not; Super Administrator unless `roles` says less).
 */
export async function createKeyServiceApp(
  okta: OktaCaller,
  scopes: string[],
  label = 'Onboarding worker',
  { roles = ['SUPER_ADMIN'], key = newRsaKey(`key-${randomUUID().slice(0, 8)}`) }: { roles?: string[]; key?: SigningKey } = {},
): Promise<ServiceApp> {
  const keyId = String(key.publicJwk.kid);
  const res = await okta.call('POST', '/api/v1/apps', {
    json: {
      name: 'oidc_client',
      label,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'], redirect_uris: [], jwks: { keys: [key.publicJwk] } } },
    },
  });
  if (res.status !== 200) throw new Error(`create app failed: ${res.text}`);
  for (const scopeId of scopes) {
    const grant = await okta.call('POST', `/api/v1/apps/${res.body.id}/grants`, { json: { issuer: okta.url, scopeId } });
    if (grant.status !== 201) throw new Error(`grant ${scopeId} failed: ${grant.text}`);
  }
  const clientId = res.body.credentials.oauthClient.client_id;
  for (const type of roles) {
    const role = await okta.call('POST', `/oauth2/v1/clients/${clientId}/roles`, { json: { type } });
    if (role.status !== 200) throw new Error(`assign role ${type} failed: ${role.text}`);
  }
  return { id: res.body.id, clientId, keyId, privateKey: key.privateKey, privateKeyPem: key.pem, alg: key.alg };
}

/** A client assertion as RFC 7523 describes it; `overrides` bend one claim or the key to test a refusal. */
export function clientAssertion(okta: OktaCaller, app: ServiceApp, overrides: { claims?: Record<string, unknown>; key?: KeyObject; kid?: string; alg?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const alg = overrides.alg ?? app.alg;
  const header = b64({ alg, kid: overrides.kid ?? app.keyId });
  const payload = b64({ iss: app.clientId, sub: app.clientId, aud: `${okta.url}/oauth2/v1/token`, iat: now, exp: now + 300, jti: randomUUID(), ...overrides.claims });
  return `${header}.${payload}.${jwsSign(alg, `${header}.${payload}`, overrides.key ?? app.privateKey)}`;
}

export async function orgToken(okta: OktaCaller, app: ServiceApp, scope: string, assertion = clientAssertion(okta, app)) {
  return okta.call('POST', '/oauth2/v1/token', {
    auth: 'none',
    form: { grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
  });
}

