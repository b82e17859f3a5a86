import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

// Issue 20, item 6f: the docs showed /ready in shapes it never had (`subgraphs` as a list of names in
// composition-and-reload.md). This compares the documented client-port example with what the demo gateway
// answers.
const docs = (name: string) => readFileSync(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');

/** The shape of a JSON value: objects keep their keys, leaves become their type. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }
  return typeof value;
}

let demo: DemoGateway;
let ready: { status: number; body: any };

beforeAll(async () => {
  demo = await startDemoGateway();
  // One subgraph up, the rest not fetched from yet.
  await demo.post('{ topProducts(first: 1) { name } }');
  const response = await fetch(demo.url.replace('/graphql', '/ready'));
  ready = { status: response.status, body: await response.json() };
});
afterAll(async () => demo?.close());

describe('GET /ready as the docs show it', () => {
  it('answers the shape of the example in docs/observability.md (Readiness)', () => {
    const section = docs('observability.md').split('## Readiness')[1]!;
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
    expect(ready.status).toBe(200);
    // Top level and schema: the same keys with the same types.
    const { subgraphs: documentedSubgraphs, ...documented } = example;
    const { subgraphs: actualSubgraphs, ...actual } = ready.body;
    expect(shape(actual)).toEqual(shape(documented));
    // Subgraphs: an object of entries, each shaped like the documented entry of its status.
    const entryShapes = new Map(Object.values(documentedSubgraphs).map((entry: any) => [entry.status, shape(entry)]));
    expect(Object.keys(actualSubgraphs).sort()).toEqual(['accounts', 'inventory', 'orders', 'products', 'reviews']);
    expect(actualSubgraphs.products.status).toBe('up');
    for (const [name, entry] of Object.entries<any>(actualSubgraphs)) {
      expect(shape(entry), name).toEqual(entryShapes.get(entry.status));
    }
  });

  it('keeps internals off the client port, and every page shows that shape', () => {
    // Issue 16, item 10: the schema's version, reloads and last error (with file paths) are on the admin
    // listener's /ready only.
    expect(Object.keys(ready.body).sort()).toEqual(['status', 'subgraphs']);
    expect(docs('production.md')).toContain('`{"status":"pass","subgraphs":{"products":{"status":"up"},...}}`');
    const reload = docs('composition-and-reload.md');
    expect(reload).not.toContain('"subgraphs":["');
    expect(reload).toContain('"schema.reloads.succeeded"');
  });
});
