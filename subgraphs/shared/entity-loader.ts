import DataLoader from 'dataloader';

/** One call of an entity loader's batch function: which keys were resolved together. */
export interface LoaderBatch {
  subgraph: string;
  entity: string;
  keys: readonly string[];
}

const MAX_BATCHES = 1000;
const batches: LoaderBatch[] = [];

/**
 * Batch calls of every entity loader in this process, oldest first (the last 1000).
 * Tests read it to prove that N representations were resolved in one call.
 */
export function loaderBatches(): readonly LoaderBatch[] {
  return batches;
}

/** Forgets the recorded batches (part of `resetDemoData()`). */
export function clearLoaderBatches(): void {
  batches.length = 0;
}

/** How to build an entity loader; see {@link createEntityLoader}. */
export interface EntityLoaderOptions<K, V> {
  subgraph: string;
  entity: string;
  /** Looks up all keys at once; must answer in key order, null for an unknown key. */
  lookup: (keys: readonly K[]) => (V | null)[];
  /** A string per key; needed for compound keys, whose object keys are not comparable by identity. */
  keyOf?: (key: K) => string;
}

/**
 * A per-request DataLoader for `__resolveReference`, so that one `_entities` call with N
 * representations reads the data once. Create it in the context function, never share it across
 * requests (its cache would leak mutations and other requests' data).
 *
 * @example
 * const users = createEntityLoader({ subgraph: 'accounts', entity: 'User', lookup: (ids) => ids.map(findUser) });
 */
export function createEntityLoader<K, V>(options: EntityLoaderOptions<K, V>): DataLoader<K, V | null, string> {
  const keyOf = options.keyOf ?? ((key: K) => String(key));
  return new DataLoader<K, V | null, string>(
    async (keys) => {
      batches.push({ subgraph: options.subgraph, entity: options.entity, keys: keys.map(keyOf) });
      if (batches.length > MAX_BATCHES) batches.splice(0, batches.length - MAX_BATCHES);
      return options.lookup(keys);
    },
    { cacheKeyFn: keyOf },
  );
}
