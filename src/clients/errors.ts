/*
 * The one error type every client throws. Callers branch on `kind` (and `retryable`), never on
 * message text; Temporal's retry policy branches on `type` (`okta.rate_limited`, …).
 */

export type ApiSystem = 'okta' | 'anypoint' | 'gateway' | 'provider';
export type ApiErrorKind = 'rate_limited' | 'server' | 'network' | 'validation' | 'auth' | 'forbidden' | 'not_found' | 'conflict';

/** Kinds that a later attempt can cure by itself: Temporal retries these, and fails the rest at once. */
export const RETRYABLE_KINDS: ReadonlySet<ApiErrorKind> = new Set<ApiErrorKind>(['rate_limited', 'server', 'network']);

const SYSTEM_NAMES: Record<ApiSystem, string> = { okta: 'Okta', anypoint: 'Anypoint', gateway: 'API gateway', provider: 'OpenID provider' };

export interface ExternalApiErrorInit {
  system: ApiSystem;
  kind: ApiErrorKind;
  /** What was being done, in words: `create authorization server`. */
  operation: string;
  /** What the system said, already short; it is redacted again here. */
  detail: string;
  /** One sentence: what the user should do. */
  fix: string;
  status?: number;
  /** The system's own error code: `E0000011`, `invalid_client`, `PolicyValidationError`. */
  code?: string;
  /** How long the system asked us to wait before trying again. */
  retryAfterMs?: number;
  /** The system's request or error id, for its support desk. */
  requestId?: string;
  /** Secret values known to the caller, scrubbed from the message besides the patterns `redact` knows. */
  secrets?: readonly (string | undefined)[];
  /** For a retryable error that only a few attempts can cure: the attempt after which it is final. */
  attemptLimit?: number;
}

/** A failed call to an external system, classified by cause. Its message never contains a secret. */
export class ExternalApiError extends Error {
  override readonly name = 'ExternalApiError';
  readonly system: ApiSystem;
  readonly kind: ApiErrorKind;
  readonly operation: string;
  readonly fix: string;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;
  readonly attemptLimit?: number;
  /**
   * Set on a failed create of something the service does not keep unique (an Okta app: labels
   * repeat) that answered 5xx or not at all: it may have been made, and the service's lists may
   * not show it yet, so trying again at once could make a second one (src/activities/quick-retry.ts).
   */
  createOutcomeUnknown = false;
  /**
   * Set when the client already repeated this call (src/clients/read-retry.ts) and it kept failing:
   * the worker's quick retries of the whole step would repeat it again each time (4 × 3 sends per
   * Temporal attempt), so the step's failure goes to Temporal's retry instead.
   */
  repeatedInClient = false;

  constructor(init: ExternalApiErrorInit) {
    const secrets = init.secrets ?? [];
    const status = init.status !== undefined ? ` (HTTP ${init.status}${init.code ? ` ${init.code}` : ''})` : init.code ? ` (${init.code})` : '';
    super(redact(`${SYSTEM_NAMES[init.system]}: ${init.operation} failed${status}: ${init.detail || 'no details given'}`, secrets));
    this.system = init.system;
    this.kind = init.kind;
    this.operation = init.operation;
    this.fix = redact(init.fix, secrets);
    this.status = init.status;
    this.code = init.code;
    this.retryAfterMs = init.retryAfterMs;
    this.requestId = init.requestId;
    this.attemptLimit = init.attemptLimit;
  }

  /** Rate limits, server errors and network errors pass by themselves; everything else needs a person. */
  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }

  /** `<system>.<kind>`, the failure type activities report to Temporal. */
  get type(): `${ApiSystem}.${ApiErrorKind}` {
    return `${this.system}.${this.kind}`;
  }
}

/** The kind an HTTP status means when the body says nothing more precise. */
export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'network';
  if (status >= 500) return 'server';
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 409) return 'conflict';
  return 'validation';
}

/** Generic fixes, used when neither the system nor the operation suggests a better one. */
export const DEFAULT_FIXES: Record<ApiErrorKind, string> = {
  rate_limited: 'Nothing to change: the step is retried once the rate-limit window resets; lower the number of tenants onboarded at once if it keeps happening.',
  server: 'Nothing to change: the service failed on its side and the step is retried with backoff; check its status page if it persists.',
  network: 'Check that the service URL in the tenant file is reachable from the worker (DNS, proxy, firewall); the step is retried.',
  validation: 'Correct the value the service rejected (named in the message) in the tenant file, then start the onboarding again.',
  auth: 'Check the credentials the tenant file references; they are wrong, expired or revoked.',
  forbidden: 'Give the credentials the tenant file references the permission this step needs, then retry.',
  not_found: 'The resource no longer exists; start the onboarding again so it is looked up afresh.',
  conflict: 'The resource already exists in a state the onboarding did not expect; remove or rename it, or adopt it in the tenant file.',
};

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

export type HeaderLookup = (name: string) => string | undefined;

/** A lookup over undici-style headers (lower-case names, repeated headers as arrays). */
export function headerLookup(headers: Record<string, string | string[] | undefined>): HeaderLookup {
  return (name) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/**
 * How long to wait before the next attempt, from the first of these that is present:
 * the reset header (`X-Rate-Limit-Reset` for Okta, `X-RateLimit-Reset` for Anypoint: UTC epoch
 * seconds, measured against the response's own `Date` header so that clock skew between us and
 * the server does not matter, and against our clock within the header's second), then
 * `Retry-After` (seconds, or an HTTP date).
 * A reset value too small to be an epoch is read as seconds from now.
 */
export function retryAfterMs(header: HeaderLookup, resetHeader: string, now: number = Date.now()): number | undefined {
  const dateHeader = header('date');
  const dateMs = dateHeader ? Date.parse(dateHeader) : NaN;
  // The Date header has a resolution of one second: when our clock falls within that second, ours
  // is the finer measure (the header alone would make every wait up to a second too long); a
  // larger gap is clock skew, and the server's clock wins.
  const serverNow = !Number.isFinite(dateMs) ? now : now >= dateMs && now - dateMs < 1000 ? now : dateMs;
  const reset = header(resetHeader);
  // Duplicated headers arrive comma-joined and cannot be trusted (the Okta SDK ignores them too).
  if (reset && !reset.includes(',') && /^\s*\d+(\.\d+)?\s*$/.test(reset)) {
    const value = Number(reset);
    return Math.max(0, Math.round(value > 1e9 ? value * 1000 - serverNow : value * 1000));
  }
  const retryAfter = header('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - serverNow);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

export const REDACTED = '[redacted]';

const SECRET_FIELD = '(?:client_?secret|clientSecret|secret|password|passwd|access_?token|accessToken|refresh_?token|refreshToken|id_token|apiToken|api_token|token|assertion|client_assertion|authorization|registration_access_token)';
const AUTH_SCHEMES = /\b(SSWS|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JSON_FIELD = new RegExp(`("${SECRET_FIELD}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const FORM_FIELD = new RegExp(`\\b(${SECRET_FIELD}=)[^&\\s"']+`, 'gi');
const YAML_FIELD = new RegExp(`(^|[\\s{,])(${SECRET_FIELD}\\s*:\\s*)(?!["{\\[])[^\\s,}]+`, 'gim');
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/**
 * Removes credentials from text bound for an error message, a log line or workflow history:
 * Authorization schemes (SSWS, Bearer, Basic), secret-named JSON / form / YAML fields, JWTs, and
 * any of the `secrets` passed in (the client's own API token, client secret, current access token).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; real secrets are long.
    if (secret && secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(AUTH_SCHEMES, `$1 ${REDACTED}`)
    .replace(JSON_FIELD, `$1"${REDACTED}"`)
    .replace(FORM_FIELD, `$1${REDACTED}`)
    .replace(YAML_FIELD, `$1$2${REDACTED}`)
    .replace(JWT, REDACTED);
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);

/** A copy of request or response headers safe to log: credential-bearing headers are replaced. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value]));
}
