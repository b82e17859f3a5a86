import { reset as resetAccounts } from './accounts/data.js';
import { createAccountsSubgraph } from './accounts/index.js';
import { reset as resetInventory } from './inventory/data.js';
import { createInventorySubgraph } from './inventory/index.js';
import { reset as resetOrders } from './orders/data.js';
import { createOrdersSubgraph } from './orders/index.js';
import { reset as resetProducts } from './products/data.js';
import { createProductsSubgraph } from './products/index.js';
import { reset as resetReviews } from './reviews/data.js';
import { createReviewsSubgraph } from './reviews/index.js';
import type { DemoSubgraph } from './shared/demo-subgraph.js';
import { clearLoaderBatches } from './shared/entity-loader.js';
import { type RunningSubgraph, serveDemoSubgraph } from './shared/serve-demo-subgraph.js';

export { createAccountsSubgraph } from './accounts/index.js';
export { createInventorySubgraph } from './inventory/index.js';
export { createOrdersSubgraph } from './orders/index.js';
export { createProductsSubgraph } from './products/index.js';
export { createReviewsSubgraph } from './reviews/index.js';
export type { DemoSubgraph } from './shared/demo-subgraph.js';
export { type LoaderBatch, loaderBatches } from './shared/entity-loader.js';
export { findRepoRoot, readSubgraphSdl } from './shared/repo-root.js';
export { MAX_LOGGED_REQUESTS, type ReceivedRequest, type RunningSubgraph } from './shared/serve-demo-subgraph.js';

/** The demo subgraphs, in the order of supergraph.yaml. */
export const DEMO_SUBGRAPHS: readonly string[] = ['accounts', 'products', 'inventory', 'reviews', 'orders'];

/** The ports `npm start` and supergraph.yaml use. */
export const DEMO_PORTS: Readonly<Record<string, number>> = {
  accounts: 4001,
  products: 4002,
  inventory: 4003,
  reviews: 4004,
  orders: 4005,
};

const factories: Record<string, () => DemoSubgraph> = {
  accounts: createAccountsSubgraph,
  products: createProductsSubgraph,
  inventory: createInventorySubgraph,
  reviews: createReviewsSubgraph,
  orders: createOrdersSubgraph,
};

/**
 * Builds one demo subgraph by name, without serving it (for in-process execution).
 *
 * @example const { schema, createContext } = createDemoSubgraph('reviews');
 */
export function createDemoSubgraph(name: string): DemoSubgraph {
  const factory = factories[name];
  if (!factory) throw new Error(`unknown demo subgraph "${name}"; expected one of ${DEMO_SUBGRAPHS.join(', ')}`);
  return factory();
}

/**
 * Serves one demo subgraph over HTTP at `<url>/graphql`. Port 0 (the default) is ephemeral.
 *
 * @example
 * const reviews = await startSubgraph('reviews');
 * // ... reviews.url, reviews.requests
 * await reviews.close();
 */
export function startSubgraph(name: string, options: { port?: number; host?: string } = {}): Promise<RunningSubgraph> {
  return serveDemoSubgraph(createDemoSubgraph(name), options);
}

/**
 * Serves all five demo subgraphs, each on its own port (ephemeral unless given in `ports`).
 * If one fails to start, the ones already started are closed before the error is rethrown.
 *
 * @example
 * const demo = await startDemoSubgraphs({ ports: DEMO_PORTS });
 * // demo.urls.accounts === 'http://127.0.0.1:4001/graphql'
 * await demo.close();
 */
export async function startDemoSubgraphs(
  options: { ports?: Partial<Record<string, number>>; host?: string } = {},
): Promise<{ subgraphs: RunningSubgraph[]; urls: Record<string, string>; close(): Promise<void> }> {
  const settled = await Promise.allSettled(
    DEMO_SUBGRAPHS.map((name) => startSubgraph(name, { port: options.ports?.[name] ?? 0, host: options.host })),
  );
  const subgraphs = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async () => {
    await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
  };
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await close();
    throw failure.reason;
  }
  const urls = Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  return { subgraphs, urls, close };
}

/** Restores every subgraph's seed data (undoing mutations) and forgets recorded loader batches. */
export function resetDemoData(): void {
  for (const reset of [resetAccounts, resetProducts, resetInventory, resetReviews, resetOrders]) reset();
  clearLoaderBatches();
}
