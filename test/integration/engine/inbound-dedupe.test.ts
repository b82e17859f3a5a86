import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { type FederationGateway, type FederationGraph, startFederationGraph } from '../../helpers/federation-graph.js';

/**
 * `engine.dedupe`: identical queries in flight share one execution. Subgraph-level sharing
 * (`traffic.all.dedupe`) is off in these gateways, so every subgraph request counted here is one execution:
 * without inbound deduplication, N concurrent clients make N catalog requests.
 *
 * The catalog answers after 200 ms, so requests sent together are in flight together.
 */
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const PRODUCTS = [
  { id: 'p1', name: 'Lamp' },
  { id: 'p2', name: 'Desk' },
];
let orders = 0;

describe('inbound deduplication (engine.dedupe)', () => {
  let graph: FederationGraph;
  let shared: FederationGateway;
  let sharedIgnoringHeaders: FederationGateway;
  let unshared: FederationGateway;
  let marking: FederationGateway;
  let withKeys: FederationGateway;

  beforeAll(async () => {
    graph = await startFederationGraph([
      {
        name: 'catalog',
        sdl: `${LINK}
          type Query { products(prefix: String): [Product!]! }
          type Mutation { order(id: ID!): Int! }
          type Product @key(fields: "id") { id: ID! name: String! }`,
        resolvers: {
          Query: {
            products: async (_: unknown, args: { prefix?: string }) => {
              await sleep(200);
              return PRODUCTS.map((p) => ({ ...p, name: `${args.prefix ?? ''}${p.name}` }));
            },
          },
          Mutation: {
            order: async () => {
              await sleep(200);
              return ++orders;
            },
          },
          Product: { __resolveReference: (ref: { id: string }) => PRODUCTS.find((p) => p.id === ref.id) },
        },
      },
      {
        name: 'pricing',
        sdl: `${LINK}
          type Product @key(fields: "id") { id: ID! price: Int! }`,
        resolvers: { Product: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, price: ref.id.length * 10 }) } },
      },
    ]);
    const traffic = { all: { dedupe: false } };
    shared = await graph.startGateway({ traffic, engine: { dedupe: { enabled: true } } });
    sharedIgnoringHeaders = await graph.startGateway({ traffic, engine: { dedupe: { enabled: true, headers: [] } } });
    unshared = await graph.startGateway({ traffic });
    // A response hook that writes into the result it is given, as the authorization filter does, and a
    // fetch hook that sets a response header (only the request that runs the execution sees its fetches).
    const marker: AtriumPlugin = {
      name: 'marker',
      onSubgraphFetch({ request, context }) {
        return () => {
          context.responseHeaders.set(`x-fetched-${request.subgraph}`, 'yes');
        };
      },
      onResponse({ result }) {
        const first = (result.data as { products?: { name: string }[] } | null | undefined)?.products?.[0];
        if (first) first.name += '!';
      },
    };
    // Headers are not compared here: only the principal tells the two API keys' requests apart.
    withKeys = await graph.startGateway({
      traffic,
      engine: { dedupe: { enabled: true, headers: [] } },
      auth: { apiKeys: { keys: { alice: { hash: hashApiKey('alice-key') }, bob: { hash: hashApiKey('bob-key') } } } },
    });
    marking = await graph.startGateway({ traffic, engine: { dedupe: { enabled: true } } }, { plugins: [marker] });
  });
  afterAll(async () => graph?.close());

  const QUERY = '{ products { name price } }';
  const ANSWER = {
    data: {
      products: [
        { name: 'Lamp', price: 20 },
        { name: 'Desk', price: 20 },
      ],
    },
  };
  const catalogRequests = () => graph.subgraphs.catalog!.requests.length;

  /** Sends together; what each got, and how many catalog requests they made between them. */
  async function concurrently(sends: (() => Promise<{ body: unknown }>)[]): Promise<{ bodies: unknown[]; catalog: number }> {
    const before = catalogRequests();
    const results = await Promise.all(sends.map((send) => send()));
    return { bodies: results.map((r) => r.body), catalog: catalogRequests() - before };
  }

  it('runs identical concurrent queries once, and every client gets the whole answer', async () => {
    const { bodies, catalog } = await concurrently(Array.from({ length: 6 }, () => () => shared.send({ query: QUERY })));
    expect(catalog).toBe(1);
    for (const body of bodies) expect(body).toEqual(ANSWER);

    // The same traffic without it: one execution per client.
    const off = await concurrently(Array.from({ length: 6 }, () => () => unshared.send({ query: QUERY })));
    expect(off.catalog).toBe(6);
  });

  it("gives each client its own copy of the result and the execution's response headers", async () => {
    const before = catalogRequests();
    const results = await Promise.all(Array.from({ length: 5 }, () => marking.send({ query: QUERY })));
    expect(catalogRequests() - before).toBe(1);
    for (const { body, headers } of results) {
      expect(body).toEqual({ data: { products: [{ name: 'Lamp!', price: 20 }, { name: 'Desk', price: 20 }] } });
      // Response headers the execution's hooks set reach every client that shared it.
      expect([headers.get('x-fetched-catalog'), headers.get('x-fetched-pricing')]).toEqual(['yes', 'yes']);
    }
  });

  it('does not share between different variables or different header values (all headers by default)', async () => {
    const query = 'query ($prefix: String) { products(prefix: $prefix) { name } }';
    const { bodies, catalog } = await concurrently([
      () => shared.send({ query, variables: { prefix: 'a-' } }),
      () => shared.send({ query, variables: { prefix: 'b-' } }),
      () => shared.send({ query: QUERY }, { 'x-tenant': 'one' }),
      () => shared.send({ query: QUERY }, { 'x-tenant': 'two' }),
    ]);
    expect(catalog).toBe(4);
    expect(bodies[0]).toEqual({ data: { products: [{ name: 'a-Lamp' }, { name: 'a-Desk' }] } });
    expect(bodies[1]).toEqual({ data: { products: [{ name: 'b-Lamp' }, { name: 'b-Desk' }] } });
  });

  it('with `headers: []`, requests that differ only in headers share', async () => {
    const { bodies, catalog } = await concurrently([
      () => sharedIgnoringHeaders.send({ query: QUERY }, { 'x-tenant': 'one' }),
      () => sharedIgnoringHeaders.send({ query: QUERY }, { 'x-tenant': 'two' }),
    ]);
    expect(catalog).toBe(1);
    expect(bodies).toEqual([ANSWER, ANSWER]);
  });

  it('never shares between principals, whatever the headers setting', async () => {
    const as = (key: string) => () => withKeys.send({ query: QUERY }, { 'x-api-key': key });
    const mixed = await concurrently([as('alice-key'), as('bob-key')]);
    expect(mixed.catalog).toBe(2);
    expect(mixed.bodies).toEqual([ANSWER, ANSWER]);
    const same = await concurrently([as('alice-key'), as('alice-key')]);
    expect(same.catalog).toBe(1);
  });

  it('never shares a mutation', async () => {
    const mutation = 'mutation { order(id: "1") }';
    const { bodies, catalog } = await concurrently([() => shared.send({ query: mutation }), () => shared.send({ query: mutation })]);
    expect(catalog).toBe(2);
    expect((bodies as { data: { order: number } }[]).map((b) => b.data.order).toSorted()).toEqual([orders - 1, orders]);
  });

  it('a client that leaves does not cancel the execution the others wait for', async () => {
    const before = catalogRequests();
    const leaving = new AbortController();
    const first = fetch(new URL('/graphql', shared.gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
      signal: leaving.signal,
    }).catch((error: unknown) => error);
    // The first client's execution has reached the catalog before the second joins and the first leaves.
    while (catalogRequests() === before) await sleep(5);
    const second = shared.send({ query: QUERY });
    await sleep(20);
    leaving.abort();
    expect(await first).toBeInstanceOf(Error);
    expect((await second).body).toEqual(ANSWER);
    expect(catalogRequests() - before).toBe(1);
  });
});
