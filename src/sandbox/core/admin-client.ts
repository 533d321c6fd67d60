import { request } from 'undici';
import { ADMIN_PREFIX } from './admin';
import type { FaultRule, FaultSpec } from './faults';
import type { RequestLogEntry } from './request-log';

export interface RequestLogSnapshot {
  total: number;
  writes: number;
  counts: Record<string, number>;
  entries: RequestLogEntry[];
}

/** An admin call the sandbox answered with an error status; `body` is its parsed answer (or the text). */
export class SandboxAdminError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
    text: string,
  ) {
    super(`sandbox admin ${method} ${path} failed: ${status} ${text}`);
    this.name = 'SandboxAdminError';
  }
}

/** Drives a running sandbox's admin API over HTTP (tests, benchmark, demo). */
export class SandboxAdminClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.baseUrl}${ADMIN_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* plain text */
      }
      throw new SandboxAdminError(method, path, res.statusCode, body, text);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  state<T = unknown>(): Promise<T> {
    return this.call('GET', '/state');
  }

  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }

  requests(since = 0): Promise<RequestLogSnapshot> {
    return this.call('GET', `/requests?since=${since}`);
  }

  clearRequests(): Promise<void> {
    return this.call('DELETE', '/requests');
  }

  addFault(spec: FaultSpec): Promise<FaultRule> {
    return this.call('POST', '/faults', spec);
  }

  faults(): Promise<FaultRule[]> {
    return this.call('GET', '/faults');
  }

  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }

  /** Seeds the fault randomness (null: Math.random) and clears the rules, so the rules added next replay exactly. */
  async seedFaults(seed: string | number | null): Promise<void> {
    await this.call('PUT', '/faults-seed', { seed });
  }

  /** Calls a service-specific admin route, e.g. `post('/users', {...})`. */
  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('POST', path, body ?? {});
  }

  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call('PUT', path, body ?? {});
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call('GET', path);
  }

  delete<T = unknown>(path: string): Promise<T> {
    return this.call('DELETE', path);
  }
}
