import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederationGateway, type FederationGraph, startFederationGraph } from '../../helpers/federation-graph.js';

/**
 * Issue 15, class 5: `@context` / `@fromContext` (federation 2.8). The carts subgraph computes a cart's
 * total in its owner's currency, which only the accounts subgraph knows: the gateway must fetch each
 * user's currency and pass it as the argument of `total` for the carts below that user. Hive's planner
 * plans the field without the argument, so operations that select it are planned by Apollo's planner
 * (fallback reason `context-arguments`) and Atrium's executor runs the plan's context rewrites.
 */
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@external", "@shareable", "@context", "@fromContext"])';
const USERS = [
  { id: 'u1', currency: 'EUR', cart: { id: 'c1' } },
  { id: 'u2', currency: 'USD', cart: { id: 'c2' } },
  { id: 'u3', currency: 'EUR', cart: { id: 'c3' } },
  // The same cart as u1's, seen in another currency: entity deduplication must not merge the two.
  { id: 'u4', currency: 'USD', cart: { id: 'c1' } },
];
const AMOUNTS: Record<string, number> = { c1: 10, c2: 20, c3: 30 };

describe('@fromContext arguments', () => {
  let graph: FederationGraph;
  let gateway: FederationGateway;

  beforeAll(async () => {
    graph = await startFederationGraph([
      {
        name: 'accounts',
        sdl: `${LINK}
          type Query { users: [User!]! }
          type User @key(fields: "id") { id: ID! currency: String! cart: Cart! @shareable }
          type Cart @key(fields: "id") { id: ID! }`,
        resolvers: { Query: { users: () => USERS } },
      },
      {
        name: 'carts',
        sdl: `${LINK}
          type User @key(fields: "id") @context(name: "userContext") { id: ID! currency: String! @external cart: Cart! @shareable }
          type Cart @key(fields: "id") { id: ID! total(currency: String @fromContext(field: "$userContext { currency }")): String! }`,
        resolvers: {
          User: { __resolveReference: (ref: { id: string }) => USERS.find((user) => user.id === ref.id) },
          Cart: {
            __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
            total: (cart: { id: string }, args: { currency?: string | null }) => `${AMOUNTS[cart.id]} ${args.currency ?? 'NO-CURRENCY'}`,
          },
        },
      },
    ]);
    gateway = await graph.startGateway({ metrics: { enabled: true } });
  });
  afterAll(async () => graph?.close());

  async function fallbacks(reason: string): Promise<number> {
    const text = await (await fetch(new URL('/metrics', gateway.gateway.url))).text();
    return Number(new RegExp(`^atrium_planner_fallbacks_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  }

  it("answers each cart's total in its own user's currency, one carts request per distinct currency", async () => {
    const before = graph.subgraphs.carts!.requests.length;
    const result = await gateway.send({ query: '{ users { id cart { id total } } }' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: {
        users: [
          { id: 'u1', cart: { id: 'c1', total: '10 EUR' } },
          { id: 'u2', cart: { id: 'c2', total: '20 USD' } },
          { id: 'u3', cart: { id: 'c3', total: '30 EUR' } },
          { id: 'u4', cart: { id: 'c1', total: '10 USD' } },
        ],
      },
    });
    const sent = graph.subgraphs.carts!.requests.slice(before);
    const currencies = sent.map((request) => Object.entries(request.variables ?? {}).find(([name]) => name.startsWith('contextualArgument'))?.[1]);
    expect(currencies.sort()).toEqual(['EUR', 'USD']);
    expect(await fallbacks('context-arguments')).toBe(1);
  });

  it("plans operations that do not select a contextual field with Hive's planner", async () => {
    const before = await fallbacks('context-arguments');
    const result = await gateway.send({ query: '{ users { id currency cart { id } } }' });
    expect(result.body.data.users).toHaveLength(4);
    expect(await fallbacks('context-arguments')).toBe(before);
  });

  it('finds a contextual field behind fragments too', async () => {
    const result = await gateway.send({ query: '{ users { ...U } } fragment U on User { cart { ... on Cart { total } } }' });
    expect(result.body.data.users.map((user: { cart: { total: string } }) => user.cart.total)).toEqual(['10 EUR', '20 USD', '30 EUR', '10 USD']);
  });

  it('refuses the apollo executor at startup, which would send the argument as null', async () => {
    await expect(graph.startGateway({ engine: { executor: 'apollo' } })).rejects.toThrow(/engine.executor "apollo" does not pass @fromContext arguments/);
  });
});
