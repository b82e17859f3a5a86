/** One stored value with its size and expiry. */
interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  /** Epoch ms; Infinity for no expiry. */
  readonly expiresAt: number;
}

/** Options of {@link ByteLru}. */
export interface ByteLruOptions<V> {
  /** Most bytes (as the caller counts them) kept; least recently used entries go first. */
  readonly maxBytes: number;
  /** Clock, for expiry; injectable so tests need no waiting. Default `Date.now`. */
  readonly now?: () => number;
  /** Called for every entry that leaves (evicted, expired, replaced or deleted). */
  readonly onRemove?: (key: string, value: V) => void;
}

/**
 * A least-recently-used map bounded by bytes, with a lifetime per entry: the in-memory store behind the
 * response cache and the APQ store. A `Map` keeps insertion order, so its first key is the least recently
 * used; an entry larger than the whole budget is not stored.
 *
 * @example
 * const cache = new ByteLru<string>({ maxBytes: 1024 });
 * cache.set('a', 'text', 4, 60_000);
 * cache.get('a'); // 'text'
 */
export class ByteLru<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #options: ByteLruOptions<V>;
  readonly #now: () => number;
  #bytes = 0;
  /** Entries dropped to stay within `maxBytes`. */
  evictions = 0;

  constructor(options: ByteLruOptions<V>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value`, counted as `bytes`, for `ttlMs` (0: until evicted). Returns false when it is too large. */
  set(key: string, value: V, bytes: number, ttlMs: number): boolean {
    this.delete(key);
    if (bytes > this.#options.maxBytes) return false;
    while (this.#bytes + bytes > this.#options.maxBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
      this.evictions++;
    }
    const expiresAt = ttlMs > 0 ? this.#now() + ttlMs : Number.POSITIVE_INFINITY;
    this.#entries.set(key, { value, bytes, expiresAt });
    this.#bytes += bytes;
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    this.#options.onRemove?.(key, entry.value);
    return true;
  }

  clear(): void {
    for (const key of [...this.#entries.keys()]) this.delete(key);
  }
}
