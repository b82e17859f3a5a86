import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { type FederationGateway, type FederationGraph, startFederationGraph } from '../../helpers/federation-graph.js';

/**
 * Identical subgraph queries in flight share one request (`traffic.*.dedupe`, on by default). Two different
 * operations can share the root fetch and then write different values under the same key of the same
 * product (`price` in USD for one, in EUR for the other): each must still answer its own. This holds as
 * long as no operation writes into an answer another one reads — what a change that hands every waiter
 * one parsed answer (to save the parse) must keep true; an attempt that merged a shared parse in place
 * answered `p1 in EUR` to the USD operation here.
 *
 * Timing makes the overlap certain without asserting on time: the catalog answers after 150 ms, so both
 * operations wait on one catalog request; pricing answers at once, so both write `price` before the first
 * operation shapes its answer, which waits for the reviews subgraph (300 ms).
 */
const PRODUCTS = [
  { id: 'p1', name: 'Lamp', meta: { color: 'red' } },
  { id: 'p2', name: 'Desk', meta: { color: 'oak' } },
];

describe('answers shared by identical in-flight subgraph requests', () => {
  let graph: FederationGraph;
  let gateway: FederationGateway;
  let apolloGateway: FederationGateway;

  beforeAll(async () => {
    graph = await startFederationGraph([
      {
        name: 'catalog',
        sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          scalar JSON
          type Query { products: [Product!]! }
          type Product @key(fields: "id") { id: ID! name: String! meta: JSON }`,
        resolvers: {
          Query: {
            products: async () => {
              await sleep(150);
              return PRODUCTS;
            },
          },
          Product: { __resolveReference: (ref: { id: string }) => PRODUCTS.find((p) => p.id === ref.id) },
        },
      },
      {
        name: 'pricing',
        sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Product @key(fields: "id") { id: ID! price(currency: String!): String! }`,
        resolvers: {
          Product: {
            __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
            price: (product: { id: string }, args: { currency: string }) => `${product.id} in ${args.currency}`,
          },
        },
      },
      {
        name: 'sellers',
        sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Product @key(fields: "id") { id: ID! seller: Seller! }
          type Seller @key(fields: "id") { id: ID! }`,
        resolvers: {
          Product: {
            __resolveReference: async (ref: { id: string }) => {
              await sleep(100);
              return { id: ref.id, seller: { id: `s-${ref.id}` } };
            },
          },
        },
      },
      {
        name: 'ratings',
        sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Seller @key(fields: "id") { id: ID! rating(scale: Int!): String! }`,
        resolvers: {
          Seller: {
            __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
            // The scale-10 operation writes its ratings last, while the other still waits for reviewTotal.
            rating: async (seller: { id: string }, args: { scale: number }) => {
              if (args.scale === 10) await sleep(50);
              return `${seller.id} out of ${args.scale}`;
            },
          },
        },
      },
      {
        name: 'reviews',
        sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Product @key(fields: "id") { id: ID! reviewCount: Int! }
          type Seller @key(fields: "id") { id: ID! reviewTotal: Int! }`,
        resolvers: {
          Seller: {
            __resolveReference: async (ref: { id: string }) => {
              await sleep(300);
              return { id: ref.id, reviewTotal: 7 };
            },
          },
          Product: {
            __resolveReference: async (ref: { id: string }) => {
              await sleep(300);
              return { id: ref.id, reviewCount: ref.id.length };
            },
          },
        },
      },
    ]);
    // Plain dedupe is the default; the per-operation cache and any other sharing stay out of the way.
    // The plugin writes into the answers of the operations that ask it to, as a plugin may.
    gateway = await graph.startGateway({}, { plugins: [renamingPlugin(), scribblingPlugin()] });
    apolloGateway = await graph.startGateway({ engine: { executor: 'apollo', planner: 'apollo' } });
  });
  afterAll(async () => graph?.close());

  // Apollo's executor merges into what it gets, so it must get answers of its own (apollo-executor.ts).
  for (const executor of ['atrium', 'apollo'] as const) {
    it(`two operations that share the root fetch each answer with their own values under one key (${executor} executor)`, async () => {
      const target = executor === 'atrium' ? gateway : apolloGateway;
      const catalogBefore = graph.subgraphs.catalog!.requests.length;
      const [usd, eur] = await Promise.all([
        target.send({ query: '{ products { name price(currency: "USD") reviewCount } }' }),
        target.send({ query: '{ products { name price(currency: "EUR") } }' }),
      ]);
      // They did share the catalog request (so the answer object was the same for both).
      expect(graph.subgraphs.catalog!.requests.length - catalogBefore).toBe(1);
      expect(usd.body).toEqual({
        data: {
          products: [
            { name: 'Lamp', price: 'p1 in USD', reviewCount: 2 },
            { name: 'Desk', price: 'p2 in USD', reviewCount: 2 },
          ],
        },
      });
      expect(eur.body).toEqual({
        data: {
          products: [
            { name: 'Lamp', price: 'p1 in EUR' },
            { name: 'Desk', price: 'p2 in EUR' },
          ],
        },
      });
    });
  }

  it('two operations that share an entity fetch each write their own values into its objects', async () => {
    const sellersBefore = graph.subgraphs.sellers!.requests.length;
    const [five, ten] = await Promise.all([
      gateway.send({ query: '{ products { seller { rating(scale: 5) reviewTotal } } }' }),
      gateway.send({ query: '{ products { seller { rating(scale: 10) } } }' }),
    ]);
    // Both waited on one sellers request: its seller objects are where both write `rating`.
    expect(graph.subgraphs.sellers!.requests.length - sellersBefore).toBe(1);
    expect(five.body).toEqual({
      data: {
        products: [
          { seller: { rating: 's-p1 out of 5', reviewTotal: 7 } },
          { seller: { rating: 's-p2 out of 5', reviewTotal: 7 } },
        ],
      },
    });
    expect(ten.body).toEqual({
      data: { products: [{ seller: { rating: 's-p1 out of 10' } }, { seller: { rating: 's-p2 out of 10' } }] },
    });
  });

  it('a plugin that writes into a shared answer changes only its own operation\'s', async () => {
    const catalogBefore = graph.subgraphs.catalog!.requests.length;
    const query = '{ products { name } }';
    const [renamed, plain] = await Promise.all([
      gateway.send({ query }, { 'x-rename': 'yes' }),
      gateway.send({ query }),
    ]);
    expect(graph.subgraphs.catalog!.requests.length - catalogBefore).toBe(1);
    expect(renamed.body).toEqual({ data: { products: [{ name: 'renamed' }, { name: 'Desk' }] } });
    expect(plain.body).toEqual({ data: { products: [{ name: 'Lamp' }, { name: 'Desk' }] } });
  });

  it('a response hook that writes into a JSON scalar of its result leaves the shared answer alone', async () => {
    const catalogBefore = graph.subgraphs.catalog!.requests.length;
    const [scribbled, plain] = await Promise.all([
      gateway.send({ query: '{ products { meta price(currency: "USD") } }' }, { 'x-scribble': 'yes' }),
      gateway.send({ query: '{ products { meta reviewCount } }' }),
    ]);
    expect(graph.subgraphs.catalog!.requests.length - catalogBefore).toBe(1);
    expect(scribbled.body).toEqual({
      data: { products: [{ meta: { color: 'scribbled' }, price: 'p1 in USD' }, { meta: { color: 'oak' }, price: 'p2 in USD' }] },
    });
    expect(plain.body).toEqual({ data: { products: [{ meta: { color: 'red' }, reviewCount: 2 }, { meta: { color: 'oak' }, reviewCount: 2 }] } });
  });

  it('many identical operations on one shared answer all get the whole answer', async () => {
    const query = '{ products { name price(currency: "USD") reviewCount } }';
    const catalogBefore = graph.subgraphs.catalog!.requests.length;
    const results = await Promise.all(Array.from({ length: 8 }, () => gateway.send({ query })));
    expect(graph.subgraphs.catalog!.requests.length - catalogBefore).toBe(1);
    for (const result of results) {
      expect(result.body).toEqual({
        data: {
          products: [
            { name: 'Lamp', price: 'p1 in USD', reviewCount: 2 },
            { name: 'Desk', price: 'p2 in USD', reviewCount: 2 },
          ],
        },
      });
    }
  });
});

/** Renames the first product in the catalog's answer of a request sent with `x-rename: yes`, in place. */
function renamingPlugin(): AtriumPlugin {
  return {
    name: 'renaming',
    onSubgraphFetch: ({ request, context }) => {
      if (request.subgraph !== 'catalog' || context.http.headers['x-rename'] !== 'yes') return;
      return ({ response }) => {
        const products = response?.body.data?.products as { name: string }[] | undefined;
        if (products?.[0]) products[0].name = 'renamed';
      };
    },
  };
}

/** Writes into the `meta` object (a JSON scalar) of the first product of a result asked with `x-scribble: yes`. */
function scribblingPlugin(): AtriumPlugin {
  return {
    name: 'scribbling',
    onResponse: ({ context, result }) => {
      if (context.http.headers['x-scribble'] !== 'yes') return;
      const products = result.data?.products as { meta: { color: string } }[] | undefined;
      if (products?.[0]) products[0].meta.color = 'scribbled';
    },
  };
}
