/* eslint-disable @typescript-eslint/no-explicit-any -- Okta resources are open JSON documents. */
import { request } from 'undici';

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** Raw calls to the Okta emulator, as an Okta admin script would make them. */
export class OktaAdmin {
  constructor(
    readonly url: string,
    readonly apiToken: string,
  ) {}

  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: { accept: 'application/json', authorization: `SSWS ${this.apiToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return parse<T>(res.statusCode, res.headers, await res.body.text());
  }

  async ok<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (res.status >= 300) throw new Error(`Okta ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A client_credentials token from an authorization server, authenticated with client_secret_basic. */
  async clientCredentialsToken(issuer: string, clientId: string, clientSecret: string, scope: string): Promise<Res> {
    const res = await request(`${issuer}/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    return parse(res.statusCode, res.headers, await res.body.text());
  }
}

export async function get(url: string): Promise<Res & { location?: string }> {
  const res = await request(url, { method: 'GET', headers: { accept: 'application/json' } });
  const parsed = parse(res.statusCode, res.headers, await res.body.text());
  return { ...parsed, location: res.headers.location as string | undefined };
}

function parse<T>(status: number, headers: Record<string, string | string[] | undefined>, text: string): Res<T> {
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* HTML or plain text */
  }
  return { status, body: body as T, headers };
}
