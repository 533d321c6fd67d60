import { DEFAULT_FIXES, ExternalApiError, headerLookup, kindOfStatus, retryAfterMs, type ApiErrorKind, type HeaderLookup } from './errors';
import { bodySnippet, networkError, type HttpResponse } from './http';

/*
 * Okta answers in two error formats: the management API's `{errorCode, errorSummary, errorCauses}`
 * (also used for 404 and 429 on OAuth paths) and OAuth's `{error, error_description}` (token,
 * introspection, DCR validation). Both become an ExternalApiError with a fix a person can act on.
 */

export const OKTA_RATE_LIMIT_RESET = 'x-rate-limit-reset';

interface Meaning {
  kind?: ApiErrorKind;
  fix: string;
}

/** Okta error codes a user can hit, with what to do about each. */
export const OKTA_ERROR_CODES: Record<string, Meaning> = {
  E0000001: { kind: 'validation', fix: 'Correct the value Okta rejected (named in the message) in the tenant file, then start the onboarding again.' },
  E0000003: { kind: 'validation', fix: 'Okta could not read the request body; report this with the Okta error id, it is a defect of the onboarding service.' },
  E0000004: { kind: 'auth', fix: 'Check the Okta API token referenced by okta.apiToken; it is invalid or revoked.' },
  // Okta answers E0000005 ("Invalid session") to a management call that carries no credential at all.
  E0000005: { kind: 'forbidden', fix: 'The request reached Okta without a credential: check that the variable okta.apiToken (or okta.oauth) names is set in the worker\'s environment and not empty, and that no proxy strips the Authorization header.' },
  E0000006: {
    kind: 'forbidden',
    fix: 'Give the admin who created the Okta API token (with okta.oauth: the service app, in Applications → the app → Admin roles) a role that may manage authorization servers, groups and apps (for example Super Administrator), or use a token of such an admin.',
  },
  E0000007: { kind: 'not_found', fix: 'The Okta resource no longer exists; start the onboarding again so it is looked up afresh, or correct the id in the tenant file.' },
  E0000008: { kind: 'not_found', fix: 'Check okta.orgUrl: it must be the Okta org URL (e.g. https://dev-123456.okta.com, without "-admin").' },
  E0000009: { kind: 'server', fix: DEFAULT_FIXES.server },
  E0000011: { kind: 'auth', fix: 'Check the Okta API token referenced by okta.apiToken; it is invalid or revoked.' },
  E0000047: { kind: 'rate_limited', fix: DEFAULT_FIXES.rate_limited },
};

/** OAuth 2.0 error codes of the token, introspection and DCR endpoints. */
export const OAUTH_ERRORS: Record<string, Meaning> = {
  access_denied: {
    kind: 'forbidden',
    fix: 'Check okta.accessPolicy and its rule: one policy must include this client and its rule must allow this grant type and every requested scope.',
  },
  invalid_scope: { kind: 'validation', fix: 'Request only scopes defined on the authorization server (okta.scopes) and allowed by okta.accessPolicy.rule.scopes.' },
  invalid_client: { kind: 'auth', fix: 'Check the client id and secret: the Okta client may be deleted or deactivated, or its secret rotated.' },
  unauthorized_client: { kind: 'forbidden', fix: 'Allow this grant type on the Okta app of the client (its grant_types do not include it).' },
  invalid_grant: { kind: 'validation', fix: 'The grant (code, refresh token or assertion) is invalid or expired; request a new one.' },
  invalid_request: { kind: 'validation', fix: 'Okta refused the shape of the request; report this with the message, it is a defect of the onboarding service.' },
  unsupported_grant_type: { kind: 'validation', fix: 'Use a grant type the authorization server supports, such as client_credentials.' },
  invalid_client_metadata: { kind: 'validation', fix: 'Correct the client settings Okta rejected (named in the message).' },
  invalid_redirect_uri: { kind: 'validation', fix: 'Use absolute redirect URIs the app may use (https, or http://localhost for development).' },
  invalid_token: { kind: 'auth', fix: 'The token is invalid or expired; request a new one.' },
  server_error: { kind: 'server', fix: DEFAULT_FIXES.server },
  temporarily_unavailable: { kind: 'server', fix: DEFAULT_FIXES.server },
};

export interface OktaErrorContext {
  operation: string;
  secrets?: readonly (string | undefined)[];
  /** Better fixes for this operation, by kind (e.g. what a 404 means for this resource). */
  fixes?: Partial<Record<ApiErrorKind, string>>;
  now?: number;
}

interface OktaBody {
  errorCode?: unknown;
  errorSummary?: unknown;
  errorCauses?: unknown;
  errorId?: unknown;
  error?: unknown;
  error_description?: unknown;
}

const ALREADY_EXISTS = /already exists/i;

/** The scope named by `WWW-Authenticate: Bearer …, scope="…", error="insufficient_scope"`. */
function insufficientScopeOf(challenge: string | undefined): string | undefined {
  if (!challenge || !/error="insufficient_scope"/.test(challenge)) return undefined;
  return /\bscope="([^"]+)"/.exec(challenge)?.[1];
}

/**
 * The scope to ask an admin for: where a read was refused the onboarding also writes (except the
 * System Log, which has only a read scope), so the `.manage` scope, which includes the read, saves a
 * second round.
 */
function scopeToGrant(missing: string): string {
  return missing.endsWith('.read') && missing !== 'okta.logs.read' ? `${missing.replace(/\.read$/, '.manage')} (it includes ${missing})` : missing;
}

function classify(status: number, body: OktaBody | undefined, text: string, header: HeaderLookup, ctx: OktaErrorContext): ExternalApiError {
  const code = typeof body?.errorCode === 'string' ? body.errorCode : typeof body?.error === 'string' ? body.error : undefined;
  const causes = Array.isArray(body?.errorCauses)
    ? (body.errorCauses as { errorSummary?: unknown }[]).map((c) => c?.errorSummary).filter((s): s is string => typeof s === 'string' && s.length > 0)
    : [];
  const summary = [body?.errorSummary, body?.error_description].find((s): s is string => typeof s === 'string' && s.length > 0);
  const detail = [summary ?? (body ? undefined : bodySnippet(text)), ...causes].filter(Boolean).join(' — ') || `HTTP ${status}`;

  const meaning = (code && (OKTA_ERROR_CODES[code] ?? OAUTH_ERRORS[code])) || undefined;
  let kind: ApiErrorKind = meaning?.kind ?? kindOfStatus(status);
  // "An object with this field already exists" is a conflict, not a typo to correct.
  if (code === 'E0000001' && [summary, ...causes].some((s) => s && ALREADY_EXISTS.test(s))) kind = 'conflict';
  if (status === 429) kind = 'rate_limited';
  if (status >= 500 && kind !== 'rate_limited') kind = 'server';

  // OAuth for Okta: a 403 whose challenge says which scope the service app's token lacks.
  const missingScope = status === 403 ? insufficientScopeOf(header('www-authenticate')) : undefined;
  const fix = missingScope
    ? `Grant ${scopeToGrant(missingScope)} to the service app in Okta (Applications → the app → Okta API Scopes → Grant) and add it to okta.oauth.scopes, then start again.`
    : (ctx.fixes?.[kind] ?? (kind === meaning?.kind ? meaning.fix : undefined) ?? DEFAULT_FIXES[kind]);
  const requestId = header('x-okta-request-id') ?? (typeof body?.errorId === 'string' ? body.errorId : undefined);
  return new ExternalApiError({
    system: 'okta',
    kind,
    operation: ctx.operation,
    detail: missingScope ? `the access token lacks the scope ${missingScope} — ${detail}` : detail,
    fix,
    status,
    code,
    retryAfterMs: kind === 'rate_limited' || status === 503 ? retryAfterMs(header, OKTA_RATE_LIMIT_RESET, ctx.now) : undefined,
    requestId,
    secrets: ctx.secrets,
  });
}

/** Maps a non-2xx response of a raw (undici) Okta call. */
export function oktaErrorFromResponse(res: HttpResponse, ctx: OktaErrorContext): ExternalApiError {
  const body = res.json && typeof res.json === 'object' && !Array.isArray(res.json) ? (res.json as OktaBody) : undefined;
  return classify(res.status, body, res.text, headerLookup(res.headers), ctx);
}

interface SdkError {
  name?: string;
  status?: number | string;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: { errorSummary?: string }[];
  errorId?: string;
  message?: string;
  code?: string;
  type?: string;
  headers?: { get(name: string): string | null };
}

/**
 * Maps what the Okta SDK throws: `OktaApiError` (JSON error body), `HttpError` (non-JSON body,
 * e.g. a proxy's HTML 502) and node-fetch's `FetchError` (network, timeout). Anything else is a
 * defect, not an Okta answer, and is returned unchanged.
 */
export function oktaErrorFromSdk(err: unknown, orgUrl: string, ctx: OktaErrorContext): unknown {
  if (err instanceof ExternalApiError) return err;
  const e = (err ?? {}) as SdkError;
  const status = typeof e.status === 'string' ? Number(e.status) : e.status;
  if (typeof status === 'number' && Number.isFinite(status) && status > 0) {
    const header: HeaderLookup = (name) => e.headers?.get(name) ?? undefined;
    if (e.name === 'OktaApiError') {
      return classify(status, { errorCode: e.errorCode, errorSummary: e.errorSummary, errorCauses: e.errorCauses, errorId: e.errorId }, '', header, ctx);
    }
    // HttpError's message is "HTTP <status> <body>".
    return classify(status, undefined, (e.message ?? '').replace(/^HTTP \d+\s*/, ''), header, ctx);
  }
  if (e.name === 'FetchError' || e.name === 'AbortError' || (typeof e.code === 'string' && /^(E[A-Z]+|UND_ERR_)/.test(e.code))) {
    return networkError(err, orgUrl, { system: 'okta', operation: ctx.operation, secrets: ctx.secrets });
  }
  return err;
}
