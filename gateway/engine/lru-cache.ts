/** Bounds of an {@link LruCache}: entries, and optionally a total weight (e.g. estimated bytes). */
export interface LruBounds<V> {
  /** Most entries kept. */
  readonly maxEntries: number;
  /** Most total weight kept; an entry heavier than this alone is not kept. Needs `weigh`. */
  readonly maxWeight?: number;
  /** The weight of a value, computed once when it is stored. */
  readonly weigh?: (value: V) => number;
}

/**
 * A small least-recently-used map with hit/miss counters. Used for query plans (and anything else keyed
 * by operation hash); a `Map` keeps insertion order, so the first key is the least recently used. Bounded
 * by entry count and, when given a `weigh` function, by total weight: least recently used entries are
 * dropped until both bounds hold.
 *
 * @example
 * const plans = new LruCache<QueryPlan>({ maxEntries: 1000, maxWeight: 64 * 1024 * 1024, weigh: estimatePlanBytes });
 */
export class LruCache<V> {
  readonly #entries = new Map<string, { value: V; weight: number }>();
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  readonly #weigh: ((value: V) => number) | undefined;
  #weight = 0;
  hits = 0;
  misses = 0;

  constructor(bounds: number | LruBounds<V>) {
    const { maxEntries, maxWeight, weigh } = typeof bounds === 'number' ? { maxEntries: bounds } : bounds;
    this.#maxEntries = Math.max(0, maxEntries);
    this.#maxWeight = weigh && maxWeight !== undefined ? Math.max(0, maxWeight) : Number.POSITIVE_INFINITY;
    this.#weigh = weigh;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert so this key becomes the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.#maxEntries === 0) return;
    this.#remove(key);
    const weight = this.#weigh?.(value) ?? 0;
    if (weight > this.#maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    while (this.#entries.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      this.#remove(this.#entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The total weight of the entries kept (0 without a `weigh` function). */
  get weight(): number {
    return this.#weight;
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }
}
