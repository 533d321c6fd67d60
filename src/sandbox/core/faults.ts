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

/**
 * mulberry32: a tiny seeded PRNG (32-bit state, period 2^32), plenty for deciding which requests
 * a fault hits, and the same numbers on every platform for the same seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit number from any seed text (FNV-1a), so `SANDBOX_FAULT_SEED=chaos-3` works as well as `42`. */
export function seedNumber(seed: string | number): number {
  let hash = 0x811c9dc5;
  for (const ch of String(seed)) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

/** `GET /api/v1/apps/0oa…/groups?limit=200` → `GET /api/v1/apps/{id}/groups?limit=200`: UUIDs, Okta ids, hex client ids and numeric path segments blanked. */
export function requestShape(method: string, url: string): string {
  const shape = url
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    // An Okta id has 20 characters and a digit among them (a resource name such as `authorizationServers` has none).
    .replace(/(?<=[/=])(?:(?=[A-Za-z]*\d)[A-Za-z0-9]{20}|[0-9a-f]{32})(?=[/?&]|$)/g, '{id}')
    .replace(/(?<=\/)\d+(?=[/?]|$)/g, '{id}');
  return `${method.toUpperCase()} ${shape}`;
}

const KINDS: readonly FaultKind[] = ['latency', 'error', 'rateLimit', 'drop', 'lostResponse'];

export class FaultSpecError extends Error {
  readonly code = 'SANDBOX_FAULT_INVALID';
}

/**
 * A seeded rule's draw for one request is a function of the seed, the rule's ordinal, the request's
 * shape (method, URL and query with generated ids blanked, since they differ on every run) and how
 * many requests of that shape the rule saw before. So the choices do not depend on the order in
 * which requests arrive: reads a client makes in parallel (a plan's look-ups) race each other
 * differently on every run, and one stream consumed in arrival order would hand the same fault to
 * a different read each time. Requests of one shape are told apart by their order among
 * themselves (a read and its retries, the pages of a list).
 */
interface RuleDraws {
  ordinal: number;
  seen: Map<string, number>;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private readonly draws = new Map<string, RuleDraws>();
  private seed: string | undefined;
  private added = 0;

  /** @param seed makes probabilistic rules replay exactly; unseeded, they use Math.random. */
  constructor(seed?: string | number) {
    this.reseed(seed);
  }

  /** The seed in force (undefined: Math.random). */
  get currentSeed(): string | undefined {
    return this.seed;
  }

  /**
   * Sets the seed for the rules added from now on (undefined: Math.random). Rules are numbered
   * from zero again, so the same seed and the same rules added in the same order make the same
   * choices for the same requests, in whatever order they arrive.
   */
  reseed(seed: string | number | undefined): void {
    this.seed = seed === undefined || seed === '' ? undefined : String(seed);
    this.added = 0;
  }

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
    this.draws.set(rule.id, { ordinal: this.added++, seen: new Map() });
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.draws.delete(id);
    return this.rules.length !== before;
  }

  /** Removes every rule; the seed stays, and numbering starts again so a replay matches. */
  clear(): void {
    this.rules = [];
    this.draws.clear();
    this.added = 0;
  }

  /**
   * Returns the rule of this kind that fires for the request, consuming one of its `times`.
   * `url` (path and query) names the request for seeded draws; rules match on `path`.
   */
  take(kind: FaultKind, method: string, path: string, url: string = path): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind !== kind) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (rule.probability !== undefined && this.draw(rule, requestShape(method, url)) >= rule.probability) continue;
      rule.fired++;
      if (rule.times !== undefined && rule.fired >= rule.times) this.remove(rule.id);
      return rule;
    }
    return undefined;
  }

  private draw(rule: FaultRule, request: string): number {
    if (this.seed === undefined) return Math.random();
    const draws = this.draws.get(rule.id)!;
    const nth = draws.seen.get(request) ?? 0;
    draws.seen.set(request, nth + 1);
    return seededRandom(seedNumber(`${this.seed}#${draws.ordinal}#${request}#${nth}`))();
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }
}
