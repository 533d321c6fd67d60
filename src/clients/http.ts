import { Agent, request, type Dispatcher } from 'undici';
import { ExternalApiError, type ApiSystem } from './errors';

/*
 * The undici transport both clients share: one request, its body read and parsed leniently,
 * network failures turned into `network` errors. Status codes are left to the caller, which
 * knows the system's error format. No retries here: the clients retry reads (read-retry.ts), and
 * Temporal retries activities by cause.
 */

export type HttpMethod = Dispatcher.HttpMethod;

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Gives up when response headers, or a gap in the body, take longer than this. */
  timeoutMs: number;
  dispatcher: Dispatcher;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text (empty for 204). */
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

/** Who is calling, for the error a network failure becomes. */
export interface CallContext {
  system: ApiSystem;
  operation: string;
  secrets?: readonly (string | undefined)[];
}

/** Default dispatcher of a client: one keep-alive pool per origin, with a connect timeout. */
export function defaultDispatcher(connectTimeoutMs = 10_000): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 10_000 });
}

export async function send(req: HttpRequest, ctx: CallContext): Promise<HttpResponse> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: req.dispatcher,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
  } catch (err) {
    throw networkError(err, req.url, ctx);
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw networkError(err, req.url, ctx);
  }
  return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function networkError(err: unknown, url: string, ctx: CallContext): ExternalApiError {
  const e = err as { code?: string; name?: string; message?: string };
  const origin = safeOrigin(url);
  return new ExternalApiError({
    system: ctx.system,
    kind: 'network',
    operation: ctx.operation,
    detail: `${e.code ?? e.name ?? 'error'} calling ${origin}: ${e.message ?? String(err)}`,
    code: e.code,
    fix: `Check that ${origin} is reachable from the worker (URL in the tenant file, DNS, proxy, firewall); the step is retried.`,
    secrets: ctx.secrets,
  });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the service';
  }
}

/** Builds a query string, leaving out undefined values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Encodes one path segment (ids come from servers and tenant files; never trust them in a path). */
export const seg = (value: string | number): string => encodeURIComponent(String(value));

/** The short, readable part of an error body, whatever its shape. */
export function bodySnippet(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
