import { createHash, createPublicKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CodecError } from './codec';

/**
 * The codec HTTP protocol the Temporal Web UI speaks (`--ui-codec-endpoint`): POST …/encode and
 * …/decode with `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }` (proto JSON). It lets
 * the UI show decrypted inputs and results while the server only ever stores ciphertext.
 * It decrypts for anyone who can reach it, so it binds to loopback and answers only the UI's origin;
 * listening anywhere else it requires a bearer token (`authorize`), which the Web UI sends when its
 * codec setting "pass access token" is on: the signed-in user's OIDC access token.
 */
export interface CodecServerOptions {
  /** The same codec as the client and the worker. */
  codec: PayloadCodec;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 8234 */
  port?: number;
  /** Browser origins allowed by CORS (the Web UI). @default ['http://127.0.0.1:8233', 'http://localhost:8233'] */
  allowedOrigins?: string[];
  /**
   * Who may encode and decode, judged by the `Authorization: Bearer <token>` header. The Web UI
   * forwards its signed-in user's access token when `codec.passAccessToken` is set in the UI
   * server's config (`TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true`; in the UI, Codec Server settings,
   * "Pass the user access token"). See {@link bearerTokenEquals} and {@link jwtBearer}.
   * Required when `host` is not a loopback address.
   * @default undefined: no check, which only loopback allows
   */
  authorize?: (bearerToken: string) => Promise<boolean> | boolean;
}

export interface RunningCodecServer {
  /** Base URL to pass as `--ui-codec-endpoint`. */
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024; // a few 2 MB payloads, base64-inflated

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])) : {},
    data: data ? Buffer.from(data, 'base64') : undefined,
  };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : undefined,
    data: data ? Buffer.from(data).toString('base64') : undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new CodecError('CODEC_DECRYPT_FAILED', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

export class CodecServerError extends Error {
  override readonly name = 'CodecServerError';
  constructor(
    message: string,
    readonly code: 'CODEC_SERVER_PORT_IN_USE' | 'CODEC_SERVER_UNPROTECTED' = 'CODEC_SERVER_PORT_IN_USE',
  ) {
    super(message);
  }
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** A shared secret as the bearer token (a codec server for the CLI or a UI behind a proxy that adds it). */
export function bearerTokenEquals(expected: string): (token: string) => boolean {
  // Hashed first so the comparison takes the same time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const want = digest(expected);
  return (token) => timingSafeEqual(digest(token), want);
}

/**
 * The Web UI's forwarded access token, verified as a JWT: an RS256 signature by one of the
 * identity provider's keys (its JWKS, the key chosen by `kid`, fetched again for a kid it does
 * not know, as after a key rotation, at most every 30 s), the issuer and audience, and not expired.
 * Built on node:crypto rather than jose, which is ESM-only and cannot be loaded by the CommonJS
 * test runner on Node 20 (as src/sandbox/okta/signing.ts says).
 */
export function jwtBearer(opts: { jwksUrl: string; issuer: string; audience: string; now?: () => number }): (token: string) => Promise<boolean> {
  let keys: Map<string, KeyObject> | undefined;
  // An unknown kid fetches the JWKS again at most this often: tokens with made-up kids cannot make
  // every request a fetch of the identity provider's keys.
  const REFETCH_AFTER_MS = 30_000;
  let fetchedAt = -Infinity;
  const fetchKeys = async () => {
    fetchedAt = opts.now?.() ?? Date.now();
    const res = await fetch(opts.jwksUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`JWKS ${opts.jwksUrl} answered ${res.status}`);
    const body = (await res.json()) as { keys?: (JsonWebKey & { kid?: string })[] };
    keys = new Map((body.keys ?? []).filter((k) => k.kty === 'RSA' && k.kid).map((k) => [k.kid!, createPublicKey({ key: k, format: 'jwk' })]));
  };
  return async (token) => {
    try {
      const [headerPart, payloadPart, signaturePart, extra] = token.split('.');
      if (!headerPart || !payloadPart || !signaturePart || extra !== undefined) return false;
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
      if (header.alg !== 'RS256' || !header.kid) return false;
      if (!keys?.has(header.kid) && (opts.now?.() ?? Date.now()) - fetchedAt >= REFETCH_AFTER_MS) await fetchKeys();
      const key = keys?.get(header.kid);
      if (!key || !verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'))) return false;
      const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as { iss?: string; aud?: string | string[]; exp?: number; nbf?: number };
      const nowSeconds = (opts.now?.() ?? Date.now()) / 1000;
      const audiences = [claims.aud].flat();
      return claims.iss === opts.issuer && audiences.includes(opts.audience) && typeof claims.exp === 'number' && claims.exp > nowSeconds && (claims.nbf === undefined || claims.nbf <= nowSeconds + 60);
    } catch {
      return false;
    }
  };
}

/**
 * Where and for whom `npm run dev` serves the codec, from the environment: CODEC_SERVER_HOST
 * (default 127.0.0.1), and a bearer check from CODEC_SERVER_TOKEN (a shared secret) or
 * CODEC_SERVER_JWKS_URL with CODEC_SERVER_JWT_ISSUER and CODEC_SERVER_JWT_AUDIENCE (the Web UI's
 * forwarded access token).
 */
export function codecServerAccessFromEnv(env: NodeJS.ProcessEnv): Pick<CodecServerOptions, 'host' | 'authorize'> {
  const host = env.CODEC_SERVER_HOST || undefined;
  if (env.CODEC_SERVER_JWKS_URL) {
    const [issuer, audience] = [env.CODEC_SERVER_JWT_ISSUER, env.CODEC_SERVER_JWT_AUDIENCE];
    if (!issuer || !audience) throw new CodecServerError('CODEC_SERVER_JWKS_URL is set without CODEC_SERVER_JWT_ISSUER and CODEC_SERVER_JWT_AUDIENCE. Fix: set both (the issuer and audience of the access tokens the Web UI forwards).', 'CODEC_SERVER_UNPROTECTED');
    return { host, authorize: jwtBearer({ jwksUrl: env.CODEC_SERVER_JWKS_URL, issuer, audience }) };
  }
  if (env.CODEC_SERVER_TOKEN) return { host, authorize: bearerTokenEquals(env.CODEC_SERVER_TOKEN) };
  return { host };
}

function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const host = opts.host ?? '127.0.0.1';
  const authorize = opts.authorize;
  if (!authorize && !isLoopbackHost(host)) {
    return Promise.reject(
      new CodecServerError(
        `The codec server decrypts every payload for whoever reaches it: listening on ${host} (beyond loopback) it needs a bearer token check. Fix: set CODEC_SERVER_TOKEN or CODEC_SERVER_JWKS_URL (with CODEC_SERVER_JWT_ISSUER and CODEC_SERVER_JWT_AUDIENCE), and turn on "pass access token" in the Web UI's codec settings; or listen on 127.0.0.1.`,
        'CODEC_SERVER_UNPROTECTED',
      ),
    );
  }
  const allowed = new Set(opts.allowedOrigins ?? ['http://127.0.0.1:8233', 'http://localhost:8233']);

  const server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    }
    if (req.method === 'OPTIONS') return send(res, 204);
    // The protocol says to look only at the last path segment, so the server can be mounted anywhere.
    const action = (req.url ?? '').split('?')[0].split('/').pop();
    if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode')) return send(res, 404, { error: 'POST …/encode or …/decode' });
    if (origin && !allowed.has(origin)) return send(res, 403, { error: `origin ${origin} is not allowed` });
    if (authorize) {
      const token = bearerOf(req);
      if (!token || !(await authorize(token))) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return send(res, 401, { error: 'a valid bearer token is required (in the Web UI: Codec Server settings, pass the user access token)' });
      }
    }
    try {
      const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
      const payloads = (body.payloads ?? []).map(fromJson);
      const result = action === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
      send(res, 200, { payloads: result.map(toJson) });
    } catch (err) {
      if (err instanceof CodecError) return send(res, 400, { error: err.message, code: err.code });
      if (err instanceof SyntaxError) return send(res, 400, { error: 'body is not JSON' });
      send(res, 500, { error: 'codec failure' }); // no details: they could echo payload content
    }
  });

  return new Promise((done, fail) => {
    const port = opts.port ?? 8234;
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new CodecServerError(`Cannot start the codec server: ${host}:${port} is already in use (another \`npm run dev\`?). Free the port or choose another one.`) : err),
    );
    server.listen(port, host, () => {
      done({
        url: `http://${host}:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((closed) => {
            server.close(() => closed());
            server.closeAllConnections(); // browsers keep connections alive
          }),
      });
    });
  });
}
