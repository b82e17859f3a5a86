/**
 * Progressive `@override(from: "catalog", label: "percent(N)")` on Hive's planner, through the real gateway
 * over real HTTP subgraphs: each request rolls one value in [0, 100); an override with threshold N is
 * active when the value is below N (https://www.apollographql.com/docs/graphos/schema-design/federated-schemas/entities/migrate-fields#incremental-migration-with-progressive-override).
 * The two subgraphs answer differently on purpose (a real migration would have them agree), so each answer
 * says which subgraph resolved the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederationGateway, type FederationGraph, startFederationGraph } from '../../helpers/federation-graph.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';
const QUERY = '{ product { name price } }';

let graph: FederationGraph;
/** The value the fixed-roll gateway's engine rolls next, in [0, 1). */
let nextRoll = 0;
let fixedRoll: FederationGateway;
let randomRoll: FederationGateway;
let apolloPlanner: FederationGateway;

const answer = async (gateway: FederationGateway) => (await gateway.send({ query: QUERY })).body;
const fromCatalog = { name: 'catalog name', price: 1 };

beforeAll(async () => {
  graph = await startFederationGraph([
    {
      name: 'catalog',
      sdl: `${LINK}
        type Query { product: Product }
        type Product @key(fields: "id") { id: ID! name: String! price: Int! }`,
      resolvers: {
        Query: { product: () => ({ id: 'p1', name: 'catalog name', price: 1 }) },
        Product: { __resolveReference: () => ({ id: 'p1', name: 'catalog name', price: 1 }) },
      },
    },
    {
      name: 'pricing',
      sdl: `${LINK}
        type Product @key(fields: "id") {
          id: ID!
          name: String! @override(from: "catalog", label: "percent(30)")
          price: Int! @override(from: "catalog", label: "percent(60)")
        }`,
      resolvers: { Product: { __resolveReference: () => ({ id: 'p1', name: 'pricing name', price: 2 }) } },
    },
  ]);
  // `auto`, the default: a percent(N) supergraph is planned by Hive's planner, not refused to Apollo's.
  fixedRoll = await graph.startGateway({ engine: { planner: 'auto' } }, { overrideRandom: () => nextRoll });
  randomRoll = await graph.startGateway({ engine: { planner: 'hive' } });
  apolloPlanner = await graph.startGateway({ engine: { planner: 'apollo' } }, { overrideRandom: () => nextRoll });
});

afterAll(async () => {
  await graph?.close();
});

describe('progressive @override', () => {
  it('routes each field by the roll: below a threshold the overriding subgraph answers, at or above it the original', async () => {
    const cases: [number, unknown][] = [
      [0, { name: 'pricing name', price: 2 }],
      [0.2999, { name: 'pricing name', price: 2 }],
      [0.3, { name: 'catalog name', price: 2 }],
      [0.5999, { name: 'catalog name', price: 2 }],
      [0.6, fromCatalog],
      [0.9999, fromCatalog],
    ];
    for (const [roll, product] of cases) {
      nextRoll = roll;
      expect(await answer(fixedRoll), `roll ${roll * 100}`).toEqual({ data: { product } });
    }
  });

  it('keeps one plan per band of active thresholds, and plans none with Apollo\'s planner', async () => {
    for (const roll of [0, 0.1, 0.2, 0.4, 0.5, 0.7, 0.8]) {
      nextRoll = roll;
      await answer(fixedRoll);
    }
    const engine = fixedRoll.gateway.supergraph.engine!;
    expect(engine.plannerName).toBe('hive');
    expect(engine.planCache.size).toBe(3);
    expect(engine.plannerFallbacks).toEqual({});
  });

  it('over many requests with Math.random, both subgraphs answer (no proportions asserted)', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 200 && names.size < 2; i++) names.add((await answer(randomRoll)).data.product.name);
    expect(names).toEqual(new Set(['pricing name', 'catalog name']));
    expect(randomRoll.gateway.supergraph.engine!.plannerFallbacks).toEqual({});
  });

  it('routes the same on Apollo\'s planner (engine.planner: apollo), which is given the band as override conditions', async () => {
    nextRoll = 0.45;
    expect(await answer(apolloPlanner)).toEqual({ data: { product: { name: 'catalog name', price: 2 } } });
    nextRoll = 0.1;
    expect(await answer(apolloPlanner)).toEqual({ data: { product: { name: 'pricing name', price: 2 } } });
    nextRoll = 0.6;
    expect(await answer(apolloPlanner)).toEqual({ data: { product: fromCatalog } });
  });
});
