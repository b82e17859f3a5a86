import { describe, expect, it } from 'vitest';
import { responseKeyConflict } from '../../../gateway/engine/response-key-conflicts.js';

describe('responseKeyConflict', () => {
  it('finds one response key given to two fields, or to one field with other arguments', () => {
    expect(responseKeyConflict('{ topProducts { sku: name sku } }')).toBe('topProducts.sku');
    expect(responseKeyConflict('{ a: product(upc: "1") { name } a: product(upc: "2") { name } }')).toBe('a');
  });

  it('looks through inline fragments, named fragments and merged sub-selections', () => {
    expect(responseKeyConflict('{ me { ... on User { id: name } id } }')).toBe('me.id');
    expect(responseKeyConflict('{ me { ...F } me { x: id } } fragment F on User { x: name }')).toBe('me.x');
    expect(
      responseKeyConflict('query($r:[_Any!]!){_entities(representations: $r){...on Product{reviews{...a}} ...on User{reviews{id}}}} fragment a on Review {id body}'),
    ).toBeUndefined();
  });

  it('accepts the same field repeated, and arguments in another order', () => {
    expect(responseKeyConflict('{ p: product(upc: "1", x: 2) { name } p: product(x: 2, upc: "1") { name name } }')).toBeUndefined();
  });
});
