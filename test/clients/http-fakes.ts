import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';

/*
 * Two fakes for client tests. The Okta SDK speaks through node-fetch, which undici's MockAgent
 * cannot intercept, so SDK paths run against a tiny local HTTP server; undici paths use MockAgent.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Route = (req: RecordedRequest, baseUrl: string) => FakeReply | undefined;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A local HTTP server answering with `route`; unknown routes get Okta's 404 (E0000007). */
export async function startFakeServer(route: Route): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let baseUrl = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const reply = route(recorded, baseUrl) ?? { status: 404, body: { errorCode: 'E0000007', errorSummary: `Not found: Resource not found: ${recorded.url}`, errorCauses: [] } };
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A MockAgent that refuses real network access. */
export function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

export const json = { 'content-type': 'application/json' };

/** Everything a thrown error says: the checks on secrets look at all of it. */
export function everything(err: unknown): string {
  const e = err as Record<string, unknown>;
  return JSON.stringify({ message: e?.message, fix: e?.fix, code: e?.code, stack: e?.stack, ...e });
}

export async function caught<T>(promise: Promise<T>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
