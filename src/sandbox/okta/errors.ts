import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomAlphanumeric, type CannedResponse } from '../core';

/*
 * Every error the Okta emulator sends is built here, in one of Okta's two wire formats
 * (reference/okta.md §3.1):
 * - the Okta error `{errorCode, errorSummary, errorLink, errorId, errorCauses}`: management API,
 *   404/429/5xx everywhere (OAuth paths included), SSWS failures;
 * - the OAuth error `{error, error_description}`: /token, /introspect, /revoke, DCR validation,
 *   authorize redirects.
 * Handlers throw; the error handler installed by {@link installErrorHandler} writes the body.
 */

export interface ErrorCause {
  /** Field path as Okta names it (`label`, `settings.oauthClient.grant_types`, `conditions.people`). */
  field: string;
  message: string;
}

/** An error in the Okta format. */
export class OktaError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorSummary: string,
    readonly causes: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${errorCode} ${errorSummary}`);
  }

  body(): OktaErrorBody {
    return oktaErrorBody(this.errorCode, this.errorSummary, this.causes);
  }
}

/** An error in the OAuth 2.0 format (RFC 6749 §5.2). */
export class OAuthError extends Error {
  /** System Log outcome reason when it differs from the error code (e.g. `no_matching_policy`). */
  logReason?: string;

  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${error}: ${description}`);
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

/** `errorId` is Okta's support correlation id: `oae` and 22 opaque characters. */
export function newErrorId(): string {
  return `oae${randomAlphanumeric(22)}`;
}

export function oktaErrorBody(errorCode: string, errorSummary: string, causes: string[] = []): OktaErrorBody {
  return { errorCode, errorSummary, errorLink: errorCode, errorId: newErrorId(), errorCauses: causes.map((c) => ({ errorSummary: c })) };
}

// The Okta error catalogue (codes and summaries from reference/okta.md §3.1 and the spec's examples).

export const invalidToken = () => new OktaError(401, 'E0000011', 'Invalid token provided');
/** No Authorization header at all: Okta looks for a browser session instead, and finds none. */
export const invalidSession = () => new OktaError(403, 'E0000005', 'Invalid session');
export const notFound = (id: string, type: string) => new OktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);
export const pathNotFound = () => new OktaError(404, 'E0000008', 'The requested path was not found');
export const malformedBody = () => new OktaError(400, 'E0000003', 'The request body was not well-formed.');
export const methodNotAllowed = (allow: string[]) =>
  new OktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method', [], { allow: allow.join(', ') });
export const forbidden = (cause?: string) =>
  new OktaError(403, 'E0000006', 'You do not have permission to perform the requested action', cause ? [cause] : []);
/**
 * Okta deletes only inactive apps ("Deletes an inactive application"). The spec documents no error for
 * an active one; Okta's error catalogue has E0000056 "Delete application forbidden." (HTTP 403), and
 * 403 is a status deleteApplication documents, so that is what the sandbox answers.
 */
export const deleteActiveApplication = (appId: string) =>
  new OktaError(403, 'E0000056', 'Delete application forbidden.', [`${appId}: Deactivate the application before deleting it.`]);
export const invalidSearch = (detail: string) => new OktaError(400, 'E0000031', 'Invalid search criteria.', [detail]);

/** 400 E0000001; the summary names the first failing field, each cause reads `<field>: <message>`. */
export function validationFailed(causes: ErrorCause[]): OktaError {
  return new OktaError(400, 'E0000001', `Api validation failed: ${causes[0]?.field ?? 'request'}`, causes.map((c) => `${c.field}: ${c.message}`));
}

export const ALREADY_EXISTS = 'An object with this field already exists in the current organization';
export const BLANK = 'The field cannot be left blank';

/** Collects validation causes and throws them together, the way Okta reports several at once. */
export class Validation {
  readonly causes: ErrorCause[] = [];

  add(field: string, message: string): this {
    this.causes.push({ field, message });
    return this;
  }

  /** Records a blank-field cause when `value` is missing or an empty/whitespace string. */
  required(field: string, value: unknown): this {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) this.add(field, BLANK);
    return this;
  }

  maxLength(field: string, value: unknown, max: number): this {
    if (typeof value === 'string' && value.length > max) this.add(field, `The field is too long; the maximum length is ${max}`);
    return this;
  }

  oneOf(field: string, value: unknown, allowed: readonly string[]): this {
    if (value !== undefined && value !== null && !allowed.includes(value as string)) {
      this.add(field, `'${String(value)}' is not one of the supported values: ${allowed.join(', ')}`);
    }
    return this;
  }

  get failed(): boolean {
    return this.causes.length > 0;
  }

  throwIfFailed(): void {
    if (this.failed) throw validationFailed(this.causes);
  }
}

// OAuth error catalogue (descriptions from the spec's examples and reference/okta.md §2).

export const OAUTH = {
  noClientCredentials: () => new OAuthError(401, 'invalid_client', 'No client credentials found'),
  /** Unknown or deactivated client; the same words seed 004 shows for a client Okta does not accept. */
  invalidClientId: () => new OAuthError(401, 'invalid_client', "Invalid value for 'client_id' parameter."),
  invalidClientSecret: () => new OAuthError(401, 'invalid_client', 'The client secret supplied for a confidential client is invalid.'),
  multipleCredentials: () =>
    new OAuthError(
      400,
      'invalid_request',
      "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a `client_assertion` in the post body.",
    ),
  clientAssertionUnsupported: () =>
    new OAuthError(401, 'invalid_client', 'The sandbox does not support client_assertion (private_key_jwt, client_secret_jwt) client authentication.'),
  browserRequiresPkce: () => new OAuthError(401, 'invalid_client', 'Browser requests to the token endpoint must use Proof Key for Code Exchange.'),
  policyEvaluationFailed: () =>
    Object.assign(new OAuthError(403, 'access_denied', 'Policy evaluation failed for this request, please check the policy configurations.'), { logReason: 'no_matching_policy' }),
  userNotAssigned: () => new OAuthError(403, 'access_denied', 'User is not assigned to the client application.'),
  unauthorizedClient: (configured: string[]) =>
    new OAuthError(400, 'unauthorized_client', `The client is not authorized to use the provided grant type. Configured grant types: [${configured.join(', ')}].`),
  unsupportedGrantType: () => new OAuthError(400, 'unsupported_grant_type', "The grant type in the request isn't supported."),
  missingGrantType: () => new OAuthError(400, 'invalid_request', 'The `grant_type` parameter is required.'),
  noScopesRequested: () => new OAuthError(400, 'invalid_scope', 'No scopes were requested.'),
  noDefaultScopes: () =>
    new OAuthError(400, 'invalid_scope', "The authorization server resource does not have any configured default scopes, 'scope' must be provided."),
  unknownScopes: () => new OAuthError(400, 'invalid_scope', 'One or more scopes are not configured for the authorization server resource.'),
  oidcScopesWithClientCredentials: () => new OAuthError(400, 'invalid_scope', 'Client Credentials requests cannot contain OpenID Connect scopes.'),
  invalidCode: () => new OAuthError(400, 'invalid_grant', 'The authorization code is invalid or has expired.'),
  mismatchedClient: () =>
    new OAuthError(400, 'invalid_grant', 'The grant was issued to another client. Ensure that the `client_id` matches the one used at the authorize request.'),
  redirectUriMismatch: () => new OAuthError(400, 'invalid_grant', "The 'redirect_uri' does not match the redirection URI used in the authorization request."),
  pkceVerificationFailed: () => new OAuthError(400, 'invalid_grant', 'PKCE verification failed.'),
  pkceVerifierMissing: () => new OAuthError(400, 'invalid_request', 'PKCE code verifier is required when the authorization request contained a code challenge.'),
  invalidRefreshToken: () => new OAuthError(400, 'invalid_grant', 'The refresh token is invalid or expired.'),
  scopesBeyondGrant: () => new OAuthError(400, 'invalid_scope', 'The requested scopes are not a subset of the scopes of the original grant.'),
  invalidResourceOwnerCredentials: () => new OAuthError(400, 'invalid_grant', 'The credentials provided were invalid.'),
  missingParameter: (name: string) => new OAuthError(400, 'invalid_request', `The \`${name}\` parameter is required.`),
  wrongContentType: () => new OAuthError(400, 'invalid_request', 'The request must use Content-Type application/x-www-form-urlencoded.'),
  tokenRequired: () => new OAuthError(400, 'invalid_request', 'The `token` parameter is required.'),
  invalidClientMetadata: (field: string, message: string) => new OAuthError(400, 'invalid_client_metadata', `\`${field}\`: ${message}`),
  invalidRedirectUri: (message: string) => new OAuthError(400, 'invalid_redirect_uri', message),
};

// The canned bodies the kit sends for injected faults and rate limits.

/** `/oauth2/...` answers 429 with the OAuth spec's summary, the management API with its own (both E0000047). */
export function rateLimitedResponse(_resetEpochSeconds: number, path = ''): CannedResponse {
  const summary = path.startsWith('/oauth2/')
    ? 'You exceeded the maximum number of requests. Try again in a while.'
    : 'API call exceeded rate limit due to too many requests.';
  return { status: 429, body: oktaErrorBody('E0000047', summary) };
}

const SERVER_ERROR_SUMMARIES: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Okta's code for an injected 4xx: E0000009 is only ever a 5xx, and clients classify by code. */
const CLIENT_ERRORS: Record<number, [code: string, summary: string]> = {
  401: ['E0000011', 'Invalid token provided'],
  403: ['E0000006', 'You do not have permission to perform the requested action'],
  404: ['E0000007', 'Not found: Resource not found'],
};

export function serverErrorResponse(status: number): CannedResponse {
  if (status >= 400 && status < 500 && status !== 429) {
    const [code, summary] = CLIENT_ERRORS[status] ?? ['E0000001', 'Api validation failed: injected fault'];
    return { status, body: oktaErrorBody(code, summary) };
  }
  return { status, body: oktaErrorBody('E0000009', SERVER_ERROR_SUMMARIES[status] ?? 'Internal Server Error') };
}

/** Writes any thrown error in Okta's format for this request's family. */
export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof OAuthError || err instanceof OktaError) {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return reply.code(err.status).send(err.body());
  }
  const fastifyErr = err as FastifyError;
  if (fastifyErr.code === 'MALFORMED_JSON' || fastifyErr.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyErr.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return sendError(reply, malformedBody());
  }
  if (fastifyErr.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.code(415).send(oktaErrorBody('E0000003', 'The request body was not well-formed.', ['Unsupported Content-Type']));
  }
  if (fastifyErr.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send(oktaErrorBody('E0000003', 'The request body was not well-formed.', ['Request body too large']));
  }
  // A bug in the emulator, not an Okta behaviour: say so loudly.
  console.error('okta sandbox: unexpected error', err);
  return reply.code(500).send(oktaErrorBody('E0000009', 'Internal Server Error'));
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => sendError(reply, err));
}
