/**
 * A bounded, time-limited cache of stored OCSP answers, held in one edge container's memory
 * (the POST handler) and keyed by the store key a CertID maps to. Pure: the caller passes the
 * time (the injected clock), so tests drive expiry with a fake clock.
 *
 * An entry lives at most `lifetimeSeconds` and never past the response's nextUpdate: a cached
 * answer is never older than the bound the publish side waits out (EDGE_POST_CACHE_SECONDS), and
 * never outlives the response itself (RFC 5019 §6.2: no answer cached past nextUpdate).
 */

interface Entry<V> {
  value: V;
  expiresAtMs: number;
}

/** Least-recently-used eviction over a Map, whose iteration order is insertion order. */
export class TimedLruCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be ≥ 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  set(key: string, value: V, expiresAtMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry whose key the predicate selects; returns how many. */
  deleteWhere(select: (key: string) => boolean): number {
    let removed = 0;
    for (const key of [...this.entries.keys()]) {
      if (select(key)) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }
}

/**
 * When an answer cached at `nowMs` must be dropped: `lifetimeSeconds` later, or at nextUpdate if
 * that comes first; undefined when it must not be cached at all (no nextUpdate, or already past).
 */
export function cachedAnswerExpiry(
  nowMs: number,
  nextUpdate: Date | undefined,
  lifetimeSeconds: number,
): number | undefined {
  if (!nextUpdate) return undefined;
  const expiry = Math.min(nowMs + lifetimeSeconds * 1000, nextUpdate.getTime());
  return expiry > nowMs ? expiry : undefined;
}
