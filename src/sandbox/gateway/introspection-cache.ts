/** What the gateway keeps of an active token's introspection. */
export interface IntrospectionResult {
  active: true;
  scope: string;
  clientId?: string;
  /** Epoch ms after which the entry is stale (the token's `exp`, or a short default). */
  expiresAt: number;
  /** Every field the IdP returned, for `exposeHeaders`. */
  claims: Record<string, unknown>;
}

/**
 * A bounded LRU of introspection results for one policy: at most `capacity` entries, the least
 * recently used evicted first, and an entry never outlives its token's expiry.
 */
export class IntrospectionCache {
  private readonly entries = new Map<string, IntrospectionResult>();
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacity: number) {}

  get(token: string, now = Date.now()): IntrospectionResult | undefined {
    const hit = this.entries.get(token);
    if (!hit || hit.expiresAt <= now) {
      if (hit) this.entries.delete(token);
      this.misses++;
      return undefined;
    }
    this.entries.delete(token);
    this.entries.set(token, hit);
    this.hits++;
    return hit;
  }

  set(token: string, result: IntrospectionResult): void {
    this.entries.delete(token);
    this.entries.set(token, result);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  stats() {
    return { size: this.size, capacity: this.capacity, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }
}
