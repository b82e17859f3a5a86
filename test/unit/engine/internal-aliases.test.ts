import { buildSchema, getOperationAST, GraphQLError, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { clientPathSegment, reservedResponseKeys, withInternalAliases } from '../../../gateway/engine/internal-aliases.js';
import { shapeResult } from '../../../gateway/engine/result-shaping.js';

const schema = buildSchema(`
  type Query { topProducts: [Product!]! }
  type Product { upc: String! sku: String! name: String! price: Int! }
`);
const reserved = reservedResponseKeys(schema);

describe('withInternalAliases', () => {
  it('renames an alias named like a supergraph field, and only such aliases', () => {
    const document = parse('{ topProducts { sku: name name title: name upc: upc kind: __typename } }');
    expect(print(withInternalAliases(document, reserved))).toBe(
      print(parse('{ topProducts { _atrium_sku: name name title: name upc: upc kind: __typename } }')),
    );
  });

  it('renames __typename and aliases that already carry the prefix, so stripping it once is always right', () => {
    const document = parse('{ __typename: topProducts { _atrium_x: sku } }');
    expect(print(withInternalAliases(document, reserved))).toBe(print(parse('{ _atrium___typename: topProducts { _atrium__atrium_x: sku } }')));
    expect(clientPathSegment('_atrium__atrium_x')).toBe('_atrium_x');
    expect(clientPathSegment(3)).toBe(3);
  });

  it('returns the same document when nothing is renamed', () => {
    const document = parse('{ topProducts { title: name sku } }');
    expect(withInternalAliases(document, reserved)).toBe(document);
  });
});

describe('shaping with renamed aliases', () => {
  it("reads the internal key, answers under the client's name, and gives errors the client's path", () => {
    const document = parse('{ topProducts { sku: name price: sku sku2: sku } }');
    const errors = [new GraphQLError('boom', { path: ['topProducts', 1, '_atrium_sku'], extensions: { code: 'SUBGRAPH_ERROR' } })];
    const result = shapeResult({
      schema,
      document,
      operation: getOperationAST(document)!,
      variables: {},
      // What the plan's fetches leave: the key sku and the renamed aliases side by side.
      data: {
        topProducts: [
          { sku: 'S-1', _atrium_sku: 'Headphones', _atrium_price: 'S-1', sku2: 'S-1' },
          { sku: 'S-2', _atrium_sku: null, _atrium_price: 'S-2', sku2: 'S-2' },
        ],
      },
      errors,
      reservedResponseKeys: reserved,
    });
    // The second product's non-null name is null: the null reaches the root through non-null types.
    expect(result.data).toBeNull();
    expect(result.errors.map((error) => error.path)).toEqual([['topProducts', 1, 'sku']]);
    expect(result.errors[0]!.extensions.code).toBe('SUBGRAPH_ERROR');

    const ok = shapeResult({
      schema,
      document,
      operation: getOperationAST(document)!,
      variables: {},
      data: { topProducts: [{ sku: 'S-1', _atrium_sku: 'Headphones', _atrium_price: 'S-1', sku2: 'S-1' }] },
      errors: [],
      reservedResponseKeys: reserved,
    });
    expect(ok.data).toEqual({ topProducts: [{ sku: 'Headphones', price: 'S-1', sku2: 'S-1' }] });
  });
});
