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
  weight: number;
}

/** An optional second bound: the sum of `weigh(value)` over the entries (e.g. body bytes). */
export interface WeightBudget<V> {
  maxWeight: number;
  weigh(value: V): number;
}

/** Least-recently-used eviction over a Map, whose iteration order is insertion order. */
export class TimedLruCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private totalWeight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly budget?: WeightBudget<V>,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be ≥ 1');
    if (budget && !(budget.maxWeight >= 0)) throw new RangeError('maxWeight must be ≥ 0');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the entries' weights (0 without a budget). */
  get weight(): number {
    return this.totalWeight;
  }

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) {
      this.totalWeight -= entry.weight;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  /** Keeps `value` until `expiresAtMs`; a value heavier than the whole budget is not kept at all. */
  set(key: string, value: V, expiresAtMs: number): void {
    this.delete(key);
    const weight = this.budget?.weigh(value) ?? 0;
    if (this.budget && weight > this.budget.maxWeight) return;
    this.entries.set(key, { value, expiresAtMs, weight });
    this.totalWeight += weight;
    while (this.entries.size > this.maxEntries || (this.budget && this.totalWeight > this.budget.maxWeight)) {
      this.delete(this.entries.keys().next().value as string);
    }
  }

  /** Drops every entry whose key (and value) the predicate selects; returns how many. */
  deleteWhere(select: (key: string, value: V) => boolean): number {
    let removed = 0;
    for (const [key, entry] of [...this.entries]) {
      if (select(key, entry.value)) {
        this.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
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
