import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

// Issue 20, item 6f: the docs showed /ready without its `schema` object (observability.md, production.md) and
// with `subgraphs` as a list of names (composition-and-reload.md); it is an object of health entries. This
// compares the documented example with what the demo gateway answers.
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

  it('is described with its schema object and subgraph entries on every page that shows it', () => {
    expect(ready.body.schema).toMatchObject({ version: expect.stringMatching(/^[0-9a-f]{12}$/), reloads: { succeeded: 0, failed: 0 } });
    expect(docs('production.md')).toContain('"subgraphs":{"products":{"status":"up",...},...},"schema":{"version":');
    const reload = docs('composition-and-reload.md');
    expect(reload).not.toContain('"subgraphs":["');
    expect(reload).toContain('"schema.reloads.succeeded"');
  });
});
