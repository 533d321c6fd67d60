import { Dispatcher, FormData, request } from 'undici';
import { ApiSystem, ExternalApiError, kindOfStatus, retryAfterFromReset } from './errors';

export interface HttpCall {
  system: ApiSystem;
  /** What the call does, in words, for errors: "create client provider". */
  operation: string;
  method: Dispatcher.HttpMethod;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** A prebuilt body such as multipart FormData (undici sets its content type). */
  rawBody?: FormData;
  /** Statuses answered with `undefined` instead of an error (e.g. 404 on a lookup). */
  tolerate?: number[];
  dispatcher?: Dispatcher;
  /** Header names carrying the rate-limit reset (epoch seconds). */
  resetHeader?: string;
  /** The user-facing fix for an error status. */
  fixFor?: (status: number, body: unknown) => string;
  timeoutMs?: number;
}

export interface HttpResult<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** The message a person can read from any of the error bodies Okta and Anypoint return. */
export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300) || 'no body';
  const b = (body ?? {}) as Record<string, unknown>;
  const causes = Array.isArray(b.errorCauses) ? (b.errorCauses as { errorSummary?: string }[]).map((c) => c.errorSummary).filter(Boolean) : [];
  const errors = Array.isArray(b.errors) ? (b.errors as { message?: string }[]).map((e) => e.message).filter(Boolean) : [];
  return [b.errorSummary, b.error_description ?? b.error, b.message, ...causes, ...errors].filter((x) => typeof x === 'string' && x).join(' — ') || JSON.stringify(body).slice(0, 300);
}

export async function callJson<T>(call: HttpCall): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  let body: string | FormData | undefined = call.rawBody;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(call.form).toString();
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await request(call.url, {
      method: call.method,
      headers,
      body,
      dispatcher: call.dispatcher,
      headersTimeout: call.timeoutMs ?? 30_000,
      bodyTimeout: call.timeoutMs ?? 30_000,
    });
  } catch (err) {
    throw new ExternalApiError(call.system, 'network', call.operation, (err as Error).message, `Check that ${new URL(call.url).origin} is reachable.`);
  }
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* plain-text bodies stay text */
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, headers: res.headers, body: parsed as T };
  if (call.tolerate?.includes(res.statusCode)) return { status: res.statusCode, headers: res.headers, body: undefined as T };
  const header = (name: string) => {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const code = typeof parsed === 'object' && parsed ? String((parsed as Record<string, unknown>).errorCode ?? (parsed as Record<string, unknown>).error ?? '') || undefined : undefined;
  const retryAfterMs = res.statusCode === 429
    ? retryAfterFromReset(header(call.resetHeader ?? 'x-rate-limit-reset'), header('date')) ?? (Number(header('retry-after')) * 1000 || undefined)
    : undefined;
  throw new ExternalApiError(
    call.system,
    kindOfStatus(res.statusCode),
    call.operation,
    messageOf(parsed),
    call.fixFor?.(res.statusCode, parsed) ?? defaultFix(res.statusCode),
    res.statusCode,
    code,
    retryAfterMs,
  );
}

function defaultFix(status: number): string {
  if (status === 429) return 'Wait for the rate-limit window to reset; the run retries by itself.';
  if (status >= 500) return 'The service failed; the run retries with backoff.';
  if (status === 401) return 'Check the credentials referenced by the tenant file.';
  if (status === 403) return 'Grant the credentials the permissions this step needs.';
  return 'Check the tenant file values used by this step.';
}
