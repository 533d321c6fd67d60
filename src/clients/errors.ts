export type ApiSystem = 'okta' | 'anypoint' | 'gateway';
export type ApiErrorKind = 'rate_limited' | 'server' | 'network' | 'validation' | 'auth' | 'forbidden' | 'not_found' | 'conflict';

/** Every failure of an external call, classified so that retries follow the cause. */
export class ExternalApiError extends Error {
  override readonly name = 'ExternalApiError';
  constructor(
    readonly system: ApiSystem,
    readonly kind: ApiErrorKind,
    readonly operation: string,
    message: string,
    readonly fix: string,
    readonly status?: number,
    readonly code?: string,
    /** How long the server asked us to wait (rate limits). */
    readonly retryAfterMs?: number,
  ) {
    super(redact(`${system} ${operation} failed${status ? ` (${status}${code ? ` ${code}` : ''})` : ''}: ${message}`));
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server' || this.kind === 'network';
  }
}

export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return 'validation';
}

/** Seconds-epoch reset header → milliseconds to wait, measured against the server's own clock. */
export function retryAfterFromReset(reset: string | undefined, serverDate: string | undefined, now = Date.now()): number | undefined {
  if (!reset || reset.includes(',')) return undefined;
  const resetMs = Number(reset) * 1000;
  if (!Number.isFinite(resetMs)) return undefined;
  const serverNow = serverDate ? Date.parse(serverDate) : now;
  return Math.max(0, resetMs - (Number.isFinite(serverNow) ? serverNow : now)) + 1000;
}

/** Strips credentials from text that may end up in logs, errors or history. */
export function redact(text: string): string {
  return text
    .replace(/(SSWS|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/("?(?:client_secret|clientSecret|secret|access_token|accessToken|token|password|authorization)"?\s*[:=]\s*"?)[^"&,\s}]+/gi, '$1[redacted]');
}
