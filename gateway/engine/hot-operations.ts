import type { DocumentNode } from 'graphql';

/** One operation as the plan cache knows it: enough to plan it again on another supergraph. */
export interface HotOperation {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /** Hash of the query text; with the operation name it is the plan cache key. */
  readonly queryHash: string;
}

interface Entry extends HotOperation {
  count: number;
}

/**
 * Counts how often each operation runs and keeps the documents of the most-used ones, so a hot reload can
 * plan them on the new supergraph before the swap. Memory is bounded: at most `capacity` operations are
 * tracked; when a new one arrives and the table is full, the least-used one is dropped (so a flood of
 * one-off operations replaces other one-offs, not the hot ones, which have higher counts).
 *
 * @example
 * const hot = new HotOperations(400);
 * hot.record({ document, operationName: 'TopProducts', queryHash });
 * for (const operation of hot.top(100)) newEngine.preparePlan(operation);
 */
export class HotOperations {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  record(operation: HotOperation): void {
    if (this.#capacity === 0) return;
    const key = `${operation.queryHash}\u0000${operation.operationName ?? ''}`;
    const entry = this.#entries.get(key);
    if (entry) {
      entry.count++;
      return;
    }
    if (this.#entries.size >= this.#capacity) this.#dropLeastUsed();
    this.#entries.set(key, { ...operation, count: 1 });
  }

  /** The `n` most-used operations, most used first. */
  top(n: number): HotOperation[] {
    return [...this.#entries.values()]
      .sort((a, b) => b.count - a.count)
      .slice(0, Math.max(0, n))
      .map(({ document, operationName, queryHash }) => ({ document, operationName, queryHash }));
  }

  get size(): number {
    return this.#entries.size;
  }

  #dropLeastUsed(): void {
    let leastKey: string | undefined;
    let least = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#entries) {
      if (entry.count < least) {
        least = entry.count;
        leastKey = key;
      }
    }
    if (leastKey !== undefined) this.#entries.delete(leastKey);
  }
}
