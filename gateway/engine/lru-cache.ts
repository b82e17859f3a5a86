/**
 * A small least-recently-used map with hit/miss counters. Used for query plans (and anything else keyed
 * by operation hash); a `Map` keeps insertion order, so the first key is the least recently used.
 */
export class LruCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;
  hits = 0;
  misses = 0;

  constructor(max: number) {
    this.#max = Math.max(0, max);
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert so this key becomes the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.#max === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
