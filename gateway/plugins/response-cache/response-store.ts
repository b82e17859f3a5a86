import { ByteLru } from '../../stores/byte-lru.js';

/**
 * What to purge: every entry touching a type, every entry built from one entity (all fields of `key`
 * must match), or everything.
 */
export type PurgeTarget = { readonly type: string; readonly key?: Readonly<Record<string, unknown>> } | { readonly all: true };

/**
 * Groups of tags: an entry is purged when it carries every tag of at least one group.
 */
export type TagGroups = readonly (readonly string[])[];

/** Where cached responses live. Failures never throw: a failed read is a miss, a failed write is skipped. */
export interface ResponseStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number, tags: readonly string[]): Promise<void>;
  /** Deletes the entries matching any group (or all entries); resolves to how many were deleted. */
  purge(groups: TagGroups | 'all'): Promise<number>;
  /** Memory store only: entries, bytes and evictions, for stats. */
  usage?(): { entries: number; bytes: number; evictions: number };
  close(): Promise<void>;
}

interface MemoryEntry {
  readonly value: string;
  readonly tags: readonly string[];
}

/**
 * The in-process store: a byte-bounded LRU of response texts (bytes counted as the text's length plus
 * its tags) with a tag index for purges, kept in step on every removal.
 *
 * @example
 * const store = createMemoryResponseStore({ maxBytes: 64 * 1024 * 1024 });
 */
export function createMemoryResponseStore(options: { maxBytes: number; now?: () => number }): ResponseStore {
  const index = new Map<string, Set<string>>();
  const lru = new ByteLru<MemoryEntry>({
    maxBytes: options.maxBytes,
    ...(options.now && { now: options.now }),
    onRemove(key, entry) {
      for (const tag of entry.tags) {
        const keys = index.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(tag);
      }
    },
  });
  return {
    async get(key) {
      return lru.get(key)?.value;
    },
    async set(key, value, ttlMs, tags) {
      let bytes = key.length + value.length;
      for (const tag of tags) bytes += tag.length;
      if (!lru.set(key, { value, tags }, bytes, ttlMs)) return;
      for (const tag of tags) {
        let keys = index.get(tag);
        if (!keys) index.set(tag, (keys = new Set()));
        keys.add(key);
      }
    },
    async purge(groups) {
      if (groups === 'all') {
        const count = lru.size;
        lru.clear();
        return count;
      }
      const doomed = new Set<string>();
      for (const group of groups) {
        const [first, ...rest] = group.map((tag) => index.get(tag));
        if (!first) continue;
        for (const key of first) if (rest.every((keys) => keys?.has(key))) doomed.add(key);
      }
      let count = 0;
      for (const key of doomed) if (lru.delete(key)) count++;
      return count;
    },
    usage: () => ({ entries: lru.size, bytes: lru.bytes, evictions: lru.evictions }),
    async close() {
      lru.clear();
    },
  };
}
