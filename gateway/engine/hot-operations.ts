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
  /** Length of the query text the document holds (its source, kept through its locations). */
  readonly bytes: number;
}

/** Query text the table may hold in all, by default; a document over a sixteenth of it is not kept. */
export const HOT_OPERATIONS_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Counts how often each operation runs and keeps the documents of the most-used ones, so a hot reload can
 * plan them on the new supergraph before the swap. Memory is bounded: at most `capacity` operations are
 * tracked, holding at most `maxBytes` of query text (a document keeps its whole source); when a new one
 * arrives and the table is full, the least-used ones are dropped (so a flood of one-off operations replaces
 * other one-offs, not the hot ones, which have higher counts). A document over a sixteenth of `maxBytes`
 * is not kept at all: many large one-off documents would otherwise hold hundreds of megabytes.
 *
 * @example
 * const hot = new HotOperations(400);
 * hot.record({ document, operationName: 'TopProducts', queryHash });
 * for (const operation of hot.top(100)) newEngine.preparePlan(operation);
 */
export class HotOperations {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(capacity: number, maxBytes = HOT_OPERATIONS_MAX_BYTES) {
    this.#capacity = Math.max(0, capacity);
    this.#maxBytes = maxBytes;
  }

  record(operation: HotOperation): void {
    if (this.#capacity === 0) return;
    const key = `${operation.queryHash}\u0000${operation.operationName ?? ''}`;
    const entry = this.#entries.get(key);
    if (entry) {
      entry.count++;
      return;
    }
    const bytes = operation.document.loc?.source.body.length ?? 0;
    if (bytes > this.#maxBytes / 16) return;
    while (this.#entries.size > 0 && (this.#entries.size >= this.#capacity || this.#bytes + bytes > this.#maxBytes)) this.#dropLeastUsed();
    this.#entries.set(key, { ...operation, count: 1, bytes });
    this.#bytes += bytes;
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
    if (leastKey === undefined) return;
    this.#bytes -= this.#entries.get(leastKey)!.bytes;
    this.#entries.delete(leastKey);
  }
}
