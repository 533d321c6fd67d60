import { Agent, Dispatcher, request } from 'undici';

/*
 * Calls the emulated platform makes to identity providers: discovery, RFC 7591 registration,
 * the authorization-code exchange, userinfo, RFC 7662 introspection. Any standard provider works,
 * not only the Okta emulator; only standard fields are sent.
 */

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** The provider could not be reached at all (connection refused, DNS, timeout, TLS). */
export class ProviderUnreachableError extends Error {
  readonly code = 'PROVIDER_UNREACHABLE';
}

export interface OutboundOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** A JSON value (sent as application/json) or URLSearchParams (sent form-encoded). */
  body?: unknown;
  timeoutMs?: number;
  /** Skip TLS certificate validation (`allow_untrusted_certificates`, policy `secureTrustStore: false`). */
  allowUntrustedCertificates?: boolean;
}

const trusting = new Agent({ connect: { rejectUnauthorized: false } });

export async function callProvider(url: string, opts: OutboundOptions = {}): Promise<OutboundResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (opts.body instanceof URLSearchParams) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = opts.body.toString();
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const timeout = opts.timeoutMs ?? 10_000;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      dispatcher: opts.allowUntrustedCertificates && url.startsWith('https:') ? trusting : undefined,
    });
  } catch (err) {
    throw new ProviderUnreachableError(`${url}: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw new ProviderUnreachableError(`${url}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** The provider's own words for a refusal: OAuth `error_description`, Okta `errorSummary`, or the raw text. */
export function providerMessage(res: OutboundResponse): string {
  const j = res.json as Record<string, unknown> | undefined;
  if (j && typeof j === 'object') {
    const parts = [j.error, j.error_description, j.errorSummary, j.message].filter((p) => typeof p === 'string' && p);
    if (parts.length) return parts.join(': ');
  }
  return res.text.slice(0, 200) || `HTTP ${res.status}`;
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** `client_request_timeout` is milliseconds in the API (yaac sends 5000); small values are the UI's seconds. */
export function timeoutMs(clientRequestTimeout: number | undefined): number {
  if (!clientRequestTimeout || clientRequestTimeout <= 0) return 5000;
  return clientRequestTimeout <= 60 ? clientRequestTimeout * 1000 : clientRequestTimeout;
}

/** Fetches the OpenID (or RFC 8414) discovery document of an issuer; undefined when it has none. */
export async function discover(issuer: string, opts: OutboundOptions = {}): Promise<Record<string, unknown> | undefined> {
  const base = issuer.replace(/\/$/, '');
  for (const suffix of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    const res = await callProvider(`${base}${suffix}`, opts);
    if (res.status === 200 && res.json && typeof res.json === 'object') return res.json as Record<string, unknown>;
  }
  return undefined;
}
