import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { OAuthError } from '../errors';
import { nowSeconds, type OktaContext } from '../http';
import type { AppRecord } from '../state';

/*
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9): the client signs a JWT with its
 * private key; Okta checks it against the public keys registered on the app (`settings.oauthClient.jwks`,
 * as the Apps API stores them). Checked: the assertion type, RS256 with a registered key (by `kid` when the
 * header names one), `iss` = `sub` = the client id, `aud` = the token endpoint the request was sent to,
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

function registeredKeys(app: AppRecord): JsonWebKey[] {
  const jwks = app.oauthClient.jwks as { keys?: unknown } | undefined;
  return Array.isArray(jwks?.keys) ? (jwks.keys as JsonWebKey[]).filter((k) => k && k.kty === 'RSA') : [];
}

function signedByRegisteredKey(app: AppRecord, decoded: Decoded): boolean {
  const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
  const candidates = registeredKeys(app).filter((k) => kid === undefined || k.kid === kid);
  return candidates.some((jwk) => {
    try {
      return verify('RSA-SHA256', decoded.signingInput, createPublicKey({ key: jwk, format: 'jwk' }), decoded.signature);
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
  if (decoded.header.alg !== 'RS256') throw refuse(`The client_assertion is signed with '${String(decoded.header.alg)}'; the sandbox accepts RS256.`);
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
  if (!signedByRegisteredKey(app, decoded)) throw refuse('The client_assertion signature is not valid for any key registered on the client (settings.oauthClient.jwks).');
  const used = (ctx.state.usedAssertionIds ??= {});
  forgetExpiredAssertions(used, now);
  const spentKey = `${app.clientId}:${claims.jti}`;
  if (used[spentKey] !== undefined) throw refuse("The client_assertion's 'jti' has already been used.");
  used[spentKey] = claims.exp;
  return app;
}
