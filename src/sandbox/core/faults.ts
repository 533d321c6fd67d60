import { randomUUID } from 'node:crypto';

/**
 * Kinds of injected failure, each observable by a client exactly as named:
 * - `latency`: the response is delayed by `latencyMs`.
 * - `error`: the request is refused with `status` (default 503) before anything is written.
 * - `rateLimit`: the request gets the service's 429 with a reset `retryAfterSeconds` ahead.
 * - `drop`: the connection is destroyed before anything is written.
 * - `lostResponse`: the write is committed, then the client sees a 500 (`mode: 'status'`)
 *   or a connection reset (`mode: 'reset'`) instead of the real response.
 */
export type FaultKind = 'latency' | 'error' | 'rateLimit' | 'drop' | 'lostResponse';

export interface FaultSpec {
  kind: FaultKind;
  /** HTTP method to match, case-insensitive. @default any method */
  method?: string;
  /** Regular expression tested against the request path (no query string). @default any path */
  path?: string;
  /** Chance (0..1) that a matching request is affected. @default 1 */
  probability?: number;
  /** Number of requests affected before the rule retires itself. @default unlimited */
  times?: number;
  /** For `latency`. @default 100 */
  latencyMs?: number;
  /** For `error` (default 503) and `lostResponse` with mode `status` (default 500). */
  status?: number;
  /** For `lostResponse`. @default 'status' */
  mode?: 'status' | 'reset';
  /** For `rateLimit`: seconds until the announced reset. @default 1 */
  retryAfterSeconds?: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
  /** How many requests this rule has affected so far. */
  fired: number;
}

const KINDS: readonly FaultKind[] = ['latency', 'error', 'rateLimit', 'drop', 'lostResponse'];

export class FaultSpecError extends Error {
  readonly code = 'SANDBOX_FAULT_INVALID';
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  add(spec: FaultSpec): FaultRule {
    if (!KINDS.includes(spec.kind)) {
      throw new FaultSpecError(`kind must be one of ${KINDS.join(', ')}`);
    }
    if (spec.path !== undefined) {
      try {
        new RegExp(spec.path);
      } catch {
        throw new FaultSpecError(`path must be a valid regular expression, got ${JSON.stringify(spec.path)}`);
      }
    }
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1)) {
      throw new FaultSpecError('probability must be between 0 and 1');
    }
    const rule: FaultRule = { ...spec, id: randomUUID(), fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /** Returns the rule of this kind that fires for the request, consuming one of its `times`. */
  take(kind: FaultKind, method: string, path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind !== kind) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      rule.fired++;
      if (rule.times !== undefined && rule.fired >= rule.times) this.remove(rule.id);
      return rule;
    }
    return undefined;
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }
}
