import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { diffApiSchemas } from '../../../gateway/publishing/schema-diff.js';

const BEFORE = buildSchema(`
  type Query { product(upc: String!, first: Int): Product  products(filter: Filter): [Product!]! }
  type Product { upc: String! name: String! price: Int  weight: Int  category: Category }
  enum Category { BOOKS FURNITURE }
  input Filter { category: Category  maxPrice: Int! }
  type Gone { id: ID }
  union Anything = Product | Gone
`);

describe('diffApiSchemas', () => {
  it('puts every breaking change of the issue into its category', () => {
    const after = buildSchema(`
      type Query { product(upc: String!, first: Int, region: String!): Product  products(filter: Filter!): [Product!]! }
      type Product { upc: String! name: String  price: Int! category: Category  color: String }
      enum Category { BOOKS }
      input Filter { category: Category!  maxPrice: Int  minPrice: Int! }
    `);
    const changes = diffApiSchemas(BEFORE, after);
    const breaking = changes.filter((c) => c.severity === 'breaking').map((c) => `${c.category}: ${c.message}`);
    expect(breaking.sort()).toEqual(
      [
        'type-removed: Gone was removed.',
        'type-removed: Anything was removed.',
        'field-removed: Product.weight was removed.',
        'output-nullability-loosened: Product.name changed type from String! to String.',
        'input-nullability-tightened: Filter.category changed type from Category to Category!.',
        'input-nullability-tightened: Query.products arg filter has changed type from Filter to Filter!.',
        'type-removed: Standard scalar ID was removed because it is not referenced anymore.',
        'required-argument-added: A required arg region on Query.product was added.',
        'required-input-field-added: A required field minPrice on input type Filter was added.',
        'enum-value-removed: FURNITURE was removed from enum type Category.',
      ].sort(),
    );
    // The reverse directions cannot break a request that works today: listed, not breaking.
    expect(changes).toContainEqual({ severity: 'dangerous', category: 'output-nullability-tightened', message: 'Product.price changed type from Int to Int!.' });
    expect(changes).toContainEqual({ severity: 'dangerous', category: 'input-nullability-loosened', message: 'Filter.maxPrice changed type from Int! to Int.' });
    expect(changes).toContainEqual({ severity: 'safe', category: 'field-added', message: 'Product.color was added.' });
  });

  it('reports a removed argument and a changed type', () => {
    const after = buildSchema(`
      type Query { product(upc: String!): Product  products(filter: Filter): [Product!]! }
      type Product { upc: String! name: String! price: String  weight: Int  category: Category }
      enum Category { BOOKS FURNITURE }
      input Filter { category: Category  maxPrice: Int! }
      type Gone { id: ID }
      union Anything = Product | Gone
    `);
    const breaking = diffApiSchemas(BEFORE, after).filter((c) => c.severity === 'breaking');
    expect(breaking).toEqual([
      { severity: 'breaking', category: 'argument-removed', message: 'Query.product arg first was removed.' },
      { severity: 'breaking', category: 'type-changed', message: 'Product.price changed type from Int to String.' },
    ]);
  });

  it('finds nothing between a schema and itself', () => {
    expect(diffApiSchemas(BEFORE, BEFORE)).toEqual([]);
  });
});
