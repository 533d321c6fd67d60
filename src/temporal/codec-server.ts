import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CodecError } from './codec';

/**
 * The codec HTTP protocol the Temporal Web UI speaks (`--ui-codec-endpoint`): POST …/encode and
 * …/decode with `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }` (proto JSON). It lets
 * the UI show decrypted inputs and results while the server only ever stores ciphertext.
 * It decrypts for anyone who can reach it, so it binds to loopback and answers only the UI's origin.
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
  readonly code = 'CODEC_SERVER_PORT_IN_USE';
}

export function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const host = opts.host ?? '127.0.0.1';
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
