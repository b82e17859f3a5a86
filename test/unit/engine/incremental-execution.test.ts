import { buildSchema, getOperationAST, GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { runIncrementally } from '../../../gateway/engine/incremental-execution.js';
import type { JsonObject } from '../../../gateway/engine/json-merge.js';
import type { ExecutePlanInput } from '../../../gateway/engine/planner-and-executor.js';

// The incremental run over in-memory phases: each phase writes what its fetches would have written, so
// the test shows what each payload holds, where each error goes and where nulls stop.

const schema = buildSchema(`
  type Query { products: [Product!]! }
  type Product { upc: String! name: String! stock: Stock details: Details }
  type Stock { quantity: Int! restock: String! }
  type Details { weight: Int! }
`);

async function run(query: string, phases: ((data: JsonObject, errors: GraphQLError[]) => void)[]) {
  const document = parse(query);
  const data: JsonObject = {};
  const input = { document, operation: getOperationAST(document)!, variables: {} } as unknown as ExecutePlanInput;
  const maxLevel = phases.length - 1;
  const answer = await runIncrementally({
    input,
    schema,
    data,
    failedFetchPaths: [],
    maxLevel,
    async runPhase(phase, errors) {
      phases[phase]!(data, errors);
    },
  });
  const later = [];
  for await (const payload of answer.subsequent ?? []) later.push(JSON.parse(JSON.stringify(payload)));
  return { initial: JSON.parse(JSON.stringify(answer.initial)), later };
}

describe('runIncrementally', () => {
  it('answers the primary selection, then one part per object of a deferred fragment, nested ones later', async () => {
    const { initial, later } = await run('{ products { upc ... @defer(label: "s") { stock { quantity ... @defer { restock } } } } }', [
      (data) => Object.assign(data, { products: [{ upc: 'a' }, { upc: 'b' }] }),
      (data) => (data.products as JsonObject[]).forEach((p, i) => (p.stock = { quantity: i })),
      (data) => (data.products as JsonObject[]).forEach((p) => Object.assign(p.stock as JsonObject, { restock: 'soon' })),
    ]);
    expect(initial).toEqual({ data: { products: [{ upc: 'a' }, { upc: 'b' }] } });
    expect(later).toEqual([
      { hasNext: true, incremental: [
        { data: { stock: { quantity: 0 } }, path: ['products', 0], label: 's' },
        { data: { stock: { quantity: 1 } }, path: ['products', 1], label: 's' },
      ] },
      { hasNext: false, incremental: [
        { data: { restock: 'soon' }, path: ['products', 0, 'stock'] },
        { data: { restock: 'soon' }, path: ['products', 1, 'stock'] },
      ] },
    ]);
  });

  it('gives a fetch error to the part whose object holds its path and stops the null at the fragment', async () => {
    const { later } = await run('{ products { upc ... @defer { stock { quantity restock } } } }', [
      (data) => Object.assign(data, { products: [{ upc: 'a' }, { upc: 'b' }] }),
      (data, errors) => {
        const [a, b] = data.products as JsonObject[];
        a!.stock = { quantity: 1, restock: 'now' };
        b!.stock = { quantity: 2, restock: null };
        errors.push(new GraphQLError('no restock date', { path: ['products', 1, 'stock', 'restock'] }));
      },
    ]);
    expect(later).toHaveLength(1);
    const [first, second] = later[0].incremental;
    expect(first).toEqual({ data: { stock: { quantity: 1, restock: 'now' } }, path: ['products', 0] });
    // stock is nullable: the non-null restock nulls stock, inside the part.
    expect(second).toEqual({ data: { stock: null }, path: ['products', 1], errors: [expect.objectContaining({ message: 'no restock date' })] });
  });

  it('answers in one result when nothing deferred applies', async () => {
    const answer = await run('{ products { upc } }', [(data) => Object.assign(data, { products: [{ upc: 'a' }] }), () => undefined]);
    expect(answer).toEqual({ initial: { data: { products: [{ upc: 'a' }] } }, later: [] });
  });
});
