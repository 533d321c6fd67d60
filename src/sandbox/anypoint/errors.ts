import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { CannedResponse } from '../core';

/*
 * Every error body the Anypoint emulator sends is produced here, one shape per product family,
 * as observed on the platform (reference/anypoint.md §2):
 * - API Manager and proxies: request validation `{name:"Bad Request", errors:[{path,message,errorCode}], message}`,
 *   domain errors `{name, message}`.
 * - Access Management (accounts): validation `{errors:[{type,keyword,schemas,message}]}` (idp spec), domain errors
 *   `{status, message}` (env spec), 404 as the plain text "This resource does not exist", 401 as the plain text "Unauthorized".
 * - Exchange: `{status, message}`.
 * - OAuth endpoints (connected-app token): `{error, error_description}`.
 */

export type ErrorFamily = 'accounts' | 'apiManager' | 'exchange' | 'oauth';

/** A failure with its exact wire form; handlers throw it and the family's error handler sends it. */
export class AnypointHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export interface ValidationIssue {
  /** JSON pointer inside the request part, e.g. `/deployment`; '' for the whole part. */
  pointer: string;
  message: string;
  /** JSON Schema keyword that failed: type, required, enum, … */
  keyword: string;
}

export function familyOf(url: string): ErrorFamily {
  if (url.startsWith('/apimanager/') || url.startsWith('/proxies/')) return 'apiManager';
  if (url.startsWith('/exchange/')) return 'exchange';
  if (url.startsWith('/accounts/api/v2/oauth2/')) return 'oauth';
  return 'accounts';
}

// API Manager

export function apiManagerError(status: number, name: string, message: string): AnypointHttpError {
  return new AnypointHttpError(status, { name, message });
}

/** The openapi-validator shape API Manager answers malformed requests with (issue #65). */
export function apiManagerValidation(part: string, issues: ValidationIssue[]): AnypointHttpError {
  const errors = issues.map((i) => ({ path: `/${part}${i.pointer}`, message: i.message, errorCode: `${i.keyword}.openapi.validation` }));
  return new AnypointHttpError(400, {
    name: 'Bad Request',
    errors,
    message: errors.map((e) => `request${e.path} ${e.message}`).join(', '),
  });
}

export const apiNotFound = (what: string) => apiManagerError(404, 'NotFoundError', `${what} not found`);

// Access Management

export function accountsError(status: number, message: string): AnypointHttpError {
  return new AnypointHttpError(status, { status, message });
}

export function accountsValidation(issues: ValidationIssue[]): AnypointHttpError {
  return new AnypointHttpError(400, {
    errors: issues.map((i) => ({ type: 'ValidationError', keyword: i.keyword, schemas: `#${i.pointer}`, message: `data${i.pointer.replace(/\//g, '.')} ${i.message}` })),
  });
}

export const accountsNotFound = () => new AnypointHttpError(404, 'This resource does not exist', { 'content-type': 'text/plain; charset=utf-8' });

// Exchange

export function exchangeError(status: number, message: string): AnypointHttpError {
  return new AnypointHttpError(status, { status, message });
}

// OAuth

export function oauthError(status: number, error: string, description: string): AnypointHttpError {
  return new AnypointHttpError(status, { error, error_description: description });
}

/** 401 for a missing, unknown or expired bearer token, in the family's form. */
export function unauthorized(family: ErrorFamily): AnypointHttpError {
  switch (family) {
    case 'apiManager':
      return apiManagerError(401, 'Unauthorized', 'Unauthorized: a valid bearer token is required');
    case 'exchange':
      return exchangeError(401, 'Unauthorized');
    case 'oauth':
      return oauthError(401, 'invalid_client', 'Invalid client credentials');
    default:
      return new AnypointHttpError(401, 'Unauthorized', { 'content-type': 'text/plain; charset=utf-8' });
  }
}

/** 403 for an organization the token does not belong to. */
export function forbidden(family: ErrorFamily, message = 'You do not have permission to access this organization'): AnypointHttpError {
  switch (family) {
    case 'apiManager':
      return apiManagerError(403, 'Forbidden', message);
    case 'exchange':
      return exchangeError(403, message);
    default:
      return accountsError(403, message);
  }
}

export function notFound(family: ErrorFamily, what: string): AnypointHttpError {
  switch (family) {
    case 'apiManager':
      return apiNotFound(what);
    case 'exchange':
      return exchangeError(404, `${what} not found`);
    default:
      return accountsNotFound();
  }
}

export function badRequest(family: ErrorFamily, part: string, issues: ValidationIssue[]): AnypointHttpError {
  switch (family) {
    case 'apiManager':
      return apiManagerValidation(part, issues);
    case 'exchange':
      return exchangeError(400, issues.map((i) => `${part}${i.pointer.replace(/\//g, '.')} ${i.message}`).join(', '));
    case 'oauth':
      return oauthError(400, 'invalid_request', issues.map((i) => i.message).join(', '));
    default:
      return accountsValidation(issues);
  }
}

function sendError(reply: FastifyReply, err: AnypointHttpError) {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).send(err.body);
}

interface AjvLikeError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Maps Fastify's schema-validation failures and parser failures to the family's shapes. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof AnypointHttpError) return sendError(reply, error);
    const family = familyOf(req.url);
    if (error.validation) {
      const issues = (error.validation as AjvLikeError[]).map((v) => {
        const missing = v.keyword === 'required' && typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
        return { pointer: `${v.instancePath ?? ''}${missing}`, keyword: v.keyword, message: v.message ?? 'is invalid' };
      });
      return sendError(reply, badRequest(family, error.validationContext ?? 'body', issues));
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      return sendError(reply, new AnypointHttpError(500, serverErrorBody(500)));
    }
    const message = error.code === 'MALFORMED_JSON' ? 'The request body was not well-formed JSON' : error.message;
    if (status === 400) return sendError(reply, badRequest(family, 'body', [{ pointer: '', keyword: 'format', message }]));
    if (family === 'apiManager') return sendError(reply, apiManagerError(status, 'Error', message));
    if (family === 'exchange') return sendError(reply, exchangeError(status, message));
    return sendError(reply, accountsError(status, message));
  });
}

/** Status texts of the canned (injected) errors; a 4xx must not read as a server error. */
const CANNED_ERRORS: Record<number, [name: string, message: string]> = {
  400: ['BadRequestError', 'Bad Request'],
  401: ['UnauthorizedError', 'Unauthorized'],
  403: ['ForbiddenError', 'Forbidden'],
  404: ['NotFoundError', 'Not Found'],
  409: ['ConflictError', 'Conflict'],
  503: ['ServiceUnavailableError', 'Service Unavailable'],
};

/** One body readable by any family's parser (it has `name`, `status` and `message`). */
function serverErrorBody(status: number) {
  const [name, message] = CANNED_ERRORS[status] ?? (status < 500 ? ['ClientError', 'Client Error'] : ['InternalServerError', 'Internal Server Error']);
  return { name, status, message };
}

export function cannedServerError(status: number): CannedResponse {
  return { status, body: serverErrorBody(status) };
}

export function cannedRateLimited(resetEpochSeconds: number, path = ''): CannedResponse {
  const retryAfter = Math.max(1, resetEpochSeconds - Math.floor(Date.now() / 1000));
  const message = 'Too Many Requests';
  // The Graph API answers in GraphQL's error shape, like its other errors (graph.ts).
  if (path.startsWith('/graph/')) return { status: 429, body: { errors: [{ message, extensions: { code: 'TOO_MANY_REQUESTS' } }] }, headers: { 'Retry-After': String(retryAfter) } };
  const family = familyOf(path);
  const body = family === 'apiManager' ? { name: 'TooManyRequests', message } : family === 'oauth' ? { error: 'too_many_requests', error_description: message } : { status: 429, message };
  return { status: 429, body, headers: { 'Retry-After': String(retryAfter) } };
}
