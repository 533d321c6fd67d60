export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  /** Path and query as received. */
  url: string;
  /** Route pattern, e.g. `/api/v1/groups/:groupId`; `(unmatched)` for 404s without a route. */
  route: string;
  /** 0 when the connection was dropped before a response. */
  status: number;
  durationMs: number;
  fault?: string;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Counts every request exactly (per `METHOD route`) and keeps the most recent entries.
 * The benchmark and the zero-writes checks rely on the counts being exact.
 */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  private counts = new Map<string, number>();
  private writes = 0;

  constructor(private readonly capacity = 10_000) {}

  record(entry: Omit<RequestLogEntry, 'seq' | 'at'>): void {
    const full: RequestLogEntry = { ...entry, seq: ++this.seq, at: new Date().toISOString() };
    this.entries.push(full);
    // Trimmed in batches: dropping one entry per request would shift the whole array every time.
    if (this.entries.length > this.capacity + this.capacity / 10) this.entries.splice(0, this.entries.length - this.capacity);
    const key = `${entry.method} ${entry.route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!READ_METHODS.has(entry.method)) this.writes++;
  }

  snapshot(sinceSeq = 0): { total: number; writes: number; counts: Record<string, number>; entries: RequestLogEntry[] } {
    return {
      total: this.seq,
      writes: this.writes,
      counts: Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b))),
      entries: this.entries.slice(-this.capacity).filter((e) => e.seq > sinceSeq),
    };
  }

  clear(): void {
    this.entries = [];
    this.seq = 0;
    this.writes = 0;
    this.counts.clear();
  }
}

/** Token issuance, introspection and sign-in: POSTs that are traffic, not configuration. */
const TRAFFIC = /\/(v1\/token|v1\/introspect|oauth2\/token|api\/v1\/authn)(\?|$)/;

/** A request that changed configuration: what "zero writes" on a re-run counts. */
export function isConfigurationWrite(entry: Pick<RequestLogEntry, 'method' | 'url'>): boolean {
  return !READ_METHODS.has(entry.method) && !TRAFFIC.test(entry.url);
}
