import { describe, expect, it } from 'vitest';
import { type CompositionProblem, composeSubgraphs, formatCompositionProblem } from '../../../gateway/supergraph/compose.js';
import { INVENTORY_SDL, PRICE_AS_STRING_SDL, PRODUCTS_SDL } from './fixtures.js';

const products = { name: 'products', url: 'http://localhost:4002/graphql', sdl: PRODUCTS_SDL, sourceName: 'schema/products.graphql' };

function errorsOf(result: ReturnType<typeof composeSubgraphs>): readonly CompositionProblem[] {
  if (!('errors' in result)) throw new Error('expected composition to fail');
  return result.errors;
}

describe('composeSubgraphs', () => {
  it('composes two subgraphs into a supergraph naming both with their routing URLs', () => {
    const result = composeSubgraphs([
      products,
      { name: 'inventory', url: 'http://localhost:4003/graphql', sdl: INVENTORY_SDL, sourceName: 'schema/inventory.graphql' },
    ]);
    if (!('supergraphSdl' in result)) throw new Error(result.errors.map(formatCompositionProblem).join('\n'));
    expect(result.supergraphSdl).toContain('INVENTORY @join__graph(name: "inventory", url: "http://localhost:4003/graphql")');
    expect(result.supergraphSdl).toContain('PRODUCTS @join__graph(name: "products", url: "http://localhost:4002/graphql")');
    expect(result.supergraphSdl).toMatch(/inStock: Boolean! @join__field\(graph: INVENTORY\)/);
  });

  it('reports a conflict with the subgraph, file, line and column of each side', () => {
    const [problem, ...rest] = errorsOf(
      composeSubgraphs([
        products,
        { name: 'inventory', url: 'http://localhost:4003/graphql', sdl: PRICE_AS_STRING_SDL, sourceName: 'schema/inventory.graphql' },
      ]),
    );
    expect(rest).toEqual([]);
    expect(problem!.code).toBe('FIELD_TYPE_MISMATCH');
    expect(problem!.locations).toEqual([
      { subgraph: 'inventory', file: 'schema/inventory.graphql', line: 6, column: 3 },
      { subgraph: 'products', file: 'schema/products.graphql', line: 10, column: 3 },
    ]);
    expect(formatCompositionProblem(problem!)).toMatch(
      /^inventory \(schema\/inventory\.graphql:6:3\), products \(schema\/products\.graphql:10:3\): \[FIELD_TYPE_MISMATCH\] Type of field "Product\.price" is incompatible/,
    );
  });

  it('reports a syntax error with the subgraph, file, line and column', () => {
    const errors = errorsOf(
      composeSubgraphs([
        products,
        { name: 'inventory', url: 'http://x/graphql', sdl: 'type Product {\n  upc: ID!\n  inStock Boolean\n}\n', sourceName: 'schema/inventory.graphql' },
      ]),
    );
    expect(errors.map(formatCompositionProblem)).toEqual([
      'inventory (schema/inventory.graphql:3:11): [INVALID_GRAPHQL] Syntax Error: Expected ":", found Name "Boolean".',
    ]);
  });

  it('locates an invalid subgraph schema and drops federation\'s "[subgraph]" prefix', () => {
    const [problem] = errorsOf(
      composeSubgraphs([{ ...products, sdl: PRODUCTS_SDL.replace('price: Int @shareable', 'price: Money') }]),
    );
    expect(formatCompositionProblem(problem!)).toBe(
      'products (schema/products.graphql:10:10): [INVALID_GRAPHQL] Unknown type Money',
    );
  });

  it('formats a problem without locations from its code', () => {
    expect(formatCompositionProblem({ code: 'X', message: 'no place', locations: [] })).toBe('[X] no place');
  });
});
