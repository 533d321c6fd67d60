import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { OAUTH, OAuthError } from '../errors';
import { activeSecrets, appByClientId } from '../apps';
import type { OktaContext } from '../http';
import type { AppRecord } from '../state';

/*
 * Client authentication at /v1/token, /v1/introspect and /v1/revoke: `client_secret_basic` (Authorization:
 * Basic, RFC 6749 §2.3.1 form-encoding honoured), `client_secret_post`, or a public client naming itself
 * with `client_id` alone (method `none`). Sending more than one credential is 400 invalid_request with
 * Okta's text. Unknown and deactivated clients are 401 invalid_client.
 *
 * The app's configured `token_endpoint_auth_method` is enforced (Okta logs a mismatch as
 * `invalid_token_endpoint_auth_method`); the exact error_description Okta sends for it is not documented,
 * so the sandbox says what is wrong in its own words. `client_assertion` (private_key_jwt,
 * client_secret_jwt) is not emulated and is refused as invalid_client.
 */

export interface AuthenticatedClient {
  app: AppRecord;
  /** How the client authenticated. */
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

function basicCredentials(req: FastifyRequest): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw OAUTH.noClientCredentials();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

function secretMatches(app: AppRecord, secret: string): boolean {
  const given = Buffer.from(secret);
  return activeSecrets(app).some((s) => {
    const expected = Buffer.from(s.secret);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function methodMismatch(app: AppRecord, used: string): OAuthError {
  return new OAuthError(
    401,
    'invalid_client',
    `Client authentication failed: the client is configured for token_endpoint_auth_method '${app.credentials.token_endpoint_auth_method}' but the request used '${used}'.`,
  );
}

/**
 * Authenticates the calling client from the form body (and, for introspection, `client_id` in the query).
 * `allowPublic` lets a `none` client through with its client_id alone.
 */
export function authenticateClient(ctx: OktaContext, req: FastifyRequest, form: Record<string, string | undefined>, allowPublic: boolean): AuthenticatedClient {
  const basic = basicCredentials(req);
  const bodySecret = form.client_secret;
  const assertion = form.client_assertion;
  const supplied = [basic, bodySecret, assertion].filter((x) => x !== undefined && x !== '').length;
  if (supplied > 1) throw OAUTH.multipleCredentials();
  if (assertion) throw OAUTH.clientAssertionUnsupported();

  const queryClientId = (req.query as Record<string, string | undefined>)?.client_id;
  const clientId = basic?.id ?? form.client_id ?? queryClientId;
  if (!clientId) throw OAUTH.noClientCredentials();
  const app = appByClientId(ctx.state, clientId);
  if (!app || app.status !== 'ACTIVE') throw OAUTH.invalidClientId();
  const configured = app.credentials.token_endpoint_auth_method;

  if (basic) {
    if (configured !== 'client_secret_basic') throw methodMismatch(app, 'client_secret_basic');
    if (!secretMatches(app, basic.secret)) throw OAUTH.invalidClientSecret();
    return { app, method: 'client_secret_basic' };
  }
  if (bodySecret) {
    if (configured !== 'client_secret_post') throw methodMismatch(app, 'client_secret_post');
    if (!secretMatches(app, bodySecret)) throw OAUTH.invalidClientSecret();
    return { app, method: 'client_secret_post' };
  }
  if (configured === 'none' && allowPublic) return { app, method: 'none' };
  if (configured === 'none') throw methodMismatch(app, 'none');
  // A confidential client that sent only its id.
  throw OAUTH.invalidClientSecret();
}
