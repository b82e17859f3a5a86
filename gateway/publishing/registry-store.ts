/** One accepted version of one subgraph's schema. Versions of a subgraph count up from 1 and are never changed. */
export interface PublishedSubgraph {
  readonly name: string;
  readonly version: number;
  readonly sdl: string;
  /** The routing URL the gateway sends this subgraph's fetches to. */
  readonly url: string;
  /** What the publisher called the SDL (its file name); error locations name it. */
  readonly sourceName: string;
  /** ISO 8601. */
  readonly publishedAt: string;
  /** A rollback is stored as a new version holding an older version's SDL and URL. */
  readonly rollbackOf?: number;
}

/** The registry's current state: the live version of every published subgraph, and a counter of changes. */
export interface RegistrySnapshot {
  /** Incremented by every accepted publish or rollback; 0 for an empty registry. */
  readonly revision: number;
  readonly subgraphs: Readonly<Record<string, PublishedSubgraph>>;
}

/**
 * Durable storage of published schemas. Implementations: a directory (one JSON file, atomic rename, lock
 * file) and Redis (a Lua script, pub/sub). `commit` is a compare-and-set on the revision, so a writer that
 * checked its schema against an older state never overwrites a newer one: it retries against the new state.
 */
export interface RegistryStore {
  read(): Promise<RegistrySnapshot>;
  /** Every version of one subgraph, oldest first; empty when it was never published. */
  history(name: string): Promise<readonly PublishedSubgraph[]>;
  /**
   * Makes `record` the live version of its subgraph and appends it to the history, only if the revision
   * is still `expectedRevision`. Resolves false (and writes nothing) when another change came first.
   */
  commit(expectedRevision: number, record: PublishedSubgraph): Promise<boolean>;
  /**
   * Reports the store's revision whenever it may have changed (a pub/sub message, a poll); the caller
   * compares it with the revision it loaded last. Returns a stop function.
   */
  watch(onRevision: (revision: number) => void): () => void;
  close(): Promise<void>;
}
