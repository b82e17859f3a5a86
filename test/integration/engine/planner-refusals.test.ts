import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { startGateway } from '../../../gateway/start-gateway.js';
import { composeSubgraphs } from '../../../gateway/supergraph/compose.js';
import { startDemoGateway, type DemoGateway, postGraphQL } from '../../helpers/demo-gateway.js';
import { closedPortUrl } from '../../helpers/fault-subgraph.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** `latestReviews { author { reviews { author { ... id } } } }`: `depth` fields deep, every level crossing subgraphs. */
function alternating(depth: number): string {
  let selection = 'id';
  for (let i = depth - 1; i >= 1; i--) selection = `${i % 2 ? 'author' : 'reviews'} { ${selection} }`;
  return `{ latestReviews { ${selection} } }`;
}

/**
 * Issue 16, item 1 ("no other path is super-linear"): an operation within every limit (depth 60 of 100,
 * 60 selections) that the Hive planner's parser refuses was handed to Apollo's planner, whose time is
 * exponential in the nesting of entity boundaries: the event loop blocked for minutes and the heap ran out.
 * Such a refusal is now the client's answer (400), never a fallback and never a 500.
 */
describe('planner refusals', () => {
  let gateway: DemoGateway;
  beforeAll(async () => {
    gateway = await startDemoGateway();
  });
  afterAll(async () => gateway?.close());

  it('an operation nested past the Hive parser\'s limit -> 400 QUERY_PLANNING_FAILED, not a fallback to Apollo\'s planner', async () => {
    const before = Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await gateway.post(alternating(60));
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toMatchObject({
      message: 'the operation nests too deeply for the query planner',
      extensions: { code: 'QUERY_PLANNING_FAILED' },
    });
    expect(Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
  });

  it("an operation Hive's planner fails on, larger than engine.fallbackMaxSelections -> 400 QUERY_PLANNING_FAILED, not seconds of Apollo's planner", async () => {
    // Each copy has operation 05's shape (Hive's planner fails inside: docs/architecture.md, "Compatibility"),
    // 4 field selections each: 30 copies are 120 selections, within limits.maxSelections (300).
    const copies = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `o${i}: orders(first: 1) { items { product { shippingEstimate } } }`).join(' ')} }`;
    const before = Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const refused = await gateway.post(copies(30));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      message: 'the operation needs the fallback planner (hive-planner-error), which plans operations of at most 100 field selections; this one has 120',
      extensions: { code: 'QUERY_PLANNING_FAILED', limit: 'engine.fallbackMaxSelections', max: 100, actual: 120 },
    });
    expect(Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
    // Within the bound, the fallback plans it and the answer comes.
    const answered = await gateway.post(copies(25));
    expect(answered.status).toBe(200);
    expect(answered.body.data.o24.length).toBe(1);
  });

  it('the same shape within the parser\'s limit is planned and answered', async () => {
    const result = await gateway.post(alternating(6));
    expect(result.status).toBe(200);
    expect(result.body.data.latestReviews.length).toBeGreaterThan(0);
  });
});

/**
 * Issue 15, class 4: an operation Hive's planner finds no path for is the client's planning error, never a
 * different answer from Apollo's planner. Composition refuses such a graph, so the supergraph is edited by
 * hand the way a stale or hand-made supergraph file would be: inventory's key becomes unresolvable, so
 * nothing can enter inventory for `est`.
 */
describe('an operation no path of the supergraph serves', () => {
  const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@external", "@requires"])\n';
  let close: () => Promise<void>;
  let url: string;
  let fallbacksCounted: () => Promise<number>;

  beforeAll(async () => {
    const dir = await tempDir('atrium-nopath-');
    const closed = await closedPortUrl();
    const composed = composeSubgraphs([
      { name: 'products', url: closed.url, sourceName: 'products', sdl: `${link}type Query { top: [Product!]! } type Product @key(fields: "sku") { sku: String! price: Int! }` },
      { name: 'inventory', url: closed.url, sourceName: 'inventory', sdl: `${link}type Product @key(fields: "sku") { sku: String! price: Int! @external est: Int! @requires(fields: "price") }` },
    ]);
    if ('errors' in composed) throw new Error('the test graph does not compose');
    const edited = composed.supergraphSdl.replace('@join__type(graph: INVENTORY, key: "sku")', '@join__type(graph: INVENTORY, key: "sku", resolvable: false)');
    expect(edited).not.toBe(composed.supergraphSdl);
    const path = join(dir.path, 'supergraph.graphql');
    await writeFile(path, edited);
    const gateway = await startGateway({
      config: parseConfig({ server: { port: 0, host: '127.0.0.1' }, metrics: { enabled: true } }, 'test gateway.yaml'),
      supergraph: { kind: 'file', path },
      logger: createLogger({ level: 'silent' }),
    });
    url = gateway.url;
    fallbacksCounted = async () => {
      const text = await (await fetch(new URL('/metrics', url))).text();
      const samples = [...text.matchAll(/^atrium_planner_fallbacks_total\{[^}]*\} (\d+)/gm)];
      return samples.reduce((sum, [, value]) => sum + Number(value), 0);
    };
    close = async () => {
      await gateway.close();
      await dir.remove();
    };
  });
  afterAll(async () => close?.());

  it('answers 400 QUERY_PLANNING_FAILED with data null, and Apollo\'s planner is never asked', async () => {
    const result = await postGraphQL(url, { query: '{ top { sku est } }' });
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions.code).toBe('QUERY_PLANNING_FAILED');
    expect(result.body.errors[0].message).toMatch(/no way to plan this operation: .*No paths found/);
    expect(await fallbacksCounted()).toBe(0);
  });

  it('still plans what the graph can serve', async () => {
    const result = await postGraphQL(url, { query: '{ top { sku } }' });
    // products is a closed port: the plan ran and its one fetch failed.
    expect(result.body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(result.body.errors[0].extensions.serviceName).toBe('products');
  });
});
