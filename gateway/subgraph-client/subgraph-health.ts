import type { AtriumError } from '../errors.js';

/** What the last fetch to one subgraph ended in. */
export interface SubgraphHealthEntry {
  /** `up`: the last fetch got a GraphQL answer; `down`: it failed (unreachable, timeout, bad response). */
  readonly status: 'up' | 'down';
  /** ISO time of that fetch's end. */
  readonly lastFetchAt: string;
  /** The failure's code when `down`. */
  readonly error?: string;
}

/**
 * Passive subgraph health: the outcome of the last fetch to each subgraph, for `/ready`. Recording is a
 * field write per fetch; the ISO times are made only when someone reads the snapshot.
 *
 * @example
 * const health = new SubgraphHealth();
 * health.recordSuccess('products');
 * health.snapshot(['products', 'reviews']); // { products: { status: 'up', ... }, reviews: { status: 'unknown' } }
 */
export class SubgraphHealth {
  readonly #last = new Map<string, { ok: boolean; at: number; code: string | undefined }>();

  recordSuccess(subgraph: string): void {
    this.#record(subgraph, true, undefined);
  }

  recordFailure(subgraph: string, error: AtriumError): void {
    this.#record(subgraph, false, error.code);
  }

  /** One entry per named subgraph; `unknown` for a subgraph not fetched from yet. */
  snapshot(subgraphs: readonly string[]): Record<string, SubgraphHealthEntry | { readonly status: 'unknown' }> {
    const result: Record<string, SubgraphHealthEntry | { readonly status: 'unknown' }> = {};
    for (const name of subgraphs) {
      const last = this.#last.get(name);
      if (last === undefined) result[name] = { status: 'unknown' };
      else if (last.ok) result[name] = { status: 'up', lastFetchAt: new Date(last.at).toISOString() };
      else result[name] = { status: 'down', lastFetchAt: new Date(last.at).toISOString(), error: last.code! };
    }
    return result;
  }

  #record(subgraph: string, ok: boolean, code: string | undefined): void {
    const entry = this.#last.get(subgraph);
    if (entry === undefined) {
      this.#last.set(subgraph, { ok, at: Date.now(), code });
      return;
    }
    entry.ok = ok;
    entry.at = Date.now();
    entry.code = code;
  }
}
