import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { OAuthError } from '../errors';
import { nowSeconds, type OktaContext } from '../http';
import type { AppRecord } from '../state';

/*
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9): the client signs a JWT with its
 * private key; Okta checks it against the public keys registered on the app (`settings.oauthClient.jwks`,
 * as the Apps API stores them). Checked: the assertion type, an RSA or ECDSA signature (RS256/384/512,
 * ES256/384/512, as the spec's private_key_jwt allows) by a registered key of that type (by `kid` when the
 * header names one; a key with an `alg` only for that alg), `iss` = `sub` = the client id, `aud` = the token endpoint the request was sent to,
 * `exp` in the future and at most an hour away, and a `jti` not seen before (single use until it expires).
 * Okta documents these rules but not its exact texts for each refusal; the sandbox says what is wrong in
 * its own words, always as 401 invalid_client.
 */

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_LIFETIME_SECONDS = 3600;

const refuse = (description: string) => new OAuthError(401, 'invalid_client', description);

interface Decoded {
  header: { alg?: unknown; kid?: unknown };
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

function decode(assertion: string): Decoded {
  const parts = assertion.split('.');
  if (parts.length !== 3) throw refuse('The client_assertion is not a well-formed JWT.');
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
      claims: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
      signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    throw refuse('The client_assertion is not a well-formed JWT.');
  }
}

interface Algorithm {
  hash: string;
  kty: 'RSA' | 'EC';
  /** The curve an ES key must be on (RFC 7518 §3.4). */
  crv?: string;
}

/** The algorithms the spec's private_key_jwt names (oauth-minimal.yaml, Client_authentication_private_key_jwt). */
const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521' },
};

export const CLIENT_ASSERTION_ALGORITHMS = Object.keys(ALGORITHMS);

function registeredKeys(app: AppRecord): JsonWebKey[] {
  const jwks = app.oauthClient.jwks as { keys?: unknown } | undefined;
  return Array.isArray(jwks?.keys) ? (jwks.keys as JsonWebKey[]).filter((k) => k && typeof k === 'object') : [];
}

function signedByRegisteredKey(app: AppRecord, decoded: Decoded, algName: string, alg: Algorithm): boolean {
  const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
  const candidates = registeredKeys(app).filter(
    (k) => (kid === undefined || k.kid === kid) && k.kty === alg.kty && (alg.crv === undefined || k.crv === alg.crv) && (k.alg === undefined || k.alg === algName),
  );
  return candidates.some((jwk) => {
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      // A JWS ECDSA signature is r || s (RFC 7518 §3.4), not DER.
      return verify(alg.hash, decoded.signingInput, alg.kty === 'EC' ? { key, dsaEncoding: 'ieee-p1363' } : key, decoded.signature);
    } catch {
      return false;
    }
  });
}

function forgetExpiredAssertions(used: Record<string, number>, now: number): void {
  for (const [jti, exp] of Object.entries(used)) if (exp < now) delete used[jti];
}

/**
 * The app that signed `assertion` for `tokenEndpoint`; throws 401 invalid_client otherwise. The `jti` is
 * spent only once everything else checked out, so a refused assertion can be corrected and sent again.
 */
export function authenticateClientAssertion(
  ctx: OktaContext,
  form: Record<string, string | undefined>,
  tokenEndpoint: string,
  appByClientId: (clientId: string) => AppRecord | undefined,
): AppRecord {
  if (form.client_assertion_type !== JWT_BEARER_ASSERTION) throw refuse(`The client_assertion_type must be '${JWT_BEARER_ASSERTION}'.`);
  const decoded = decode(form.client_assertion ?? '');
  const { claims } = decoded;
  const algName = typeof decoded.header.alg === 'string' ? decoded.header.alg : '';
  const alg = Object.hasOwn(ALGORITHMS, algName) ? ALGORITHMS[algName] : undefined;
  if (!alg) throw refuse(`The client_assertion is signed with '${String(decoded.header.alg)}'; private_key_jwt accepts ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}.`);
  if (typeof claims.iss !== 'string' || claims.iss !== claims.sub) throw refuse("The client_assertion's 'iss' and 'sub' claims must both be the client_id.");
  if (form.client_id !== undefined && form.client_id !== claims.iss) throw refuse("The 'client_id' parameter does not match the client_assertion's 'sub' claim.");
  const app = appByClientId(claims.iss);
  if (!app || app.status !== 'ACTIVE') throw new OAuthError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
  if (app.credentials.token_endpoint_auth_method !== 'private_key_jwt') {
    throw refuse(`Client authentication failed: the client is configured for token_endpoint_auth_method '${app.credentials.token_endpoint_auth_method}' but the request used 'private_key_jwt'.`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(tokenEndpoint)) throw refuse(`The client_assertion's 'aud' claim must be the token endpoint it is sent to: ${tokenEndpoint}.`);
  const now = nowSeconds();
  if (typeof claims.exp !== 'number') throw refuse("The client_assertion must carry an 'exp' claim.");
  if (claims.exp <= now) throw refuse('The client_assertion token is expired.');
  if (claims.exp - now > MAX_LIFETIME_SECONDS) throw refuse("The client_assertion's 'exp' claim is more than one hour in the future.");
  if (typeof claims.jti !== 'string' || claims.jti === '') throw refuse("The client_assertion must carry a 'jti' claim.");
  if (!signedByRegisteredKey(app, decoded, algName, alg)) throw refuse('The client_assertion signature is not valid for any key registered on the client (settings.oauthClient.jwks).');
  const used = (ctx.state.usedAssertionIds ??= {});
  forgetExpiredAssertions(used, now);
  const spentKey = `${app.clientId}:${claims.jti}`;
  if (used[spentKey] !== undefined) throw refuse("The client_assertion's 'jti' has already been used.");
  used[spentKey] = claims.exp;
  return app;
}
