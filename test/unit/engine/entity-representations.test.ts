import type { QueryPlanSelectionNode } from '@apollo/query-planner';
import { describe, expect, it } from 'vitest';
import { applyRewrites, compileRepresentationSelector, RepresentationIndex, type RepresentationSelector, representationKey, selectRepresentation, type TypeMatcher } from '../../../gateway/engine/entity-representations.js';
import { deepMerge } from '../../../gateway/engine/json-merge.js';

// Book and Movie implement the Media interface; everything else only matches its own name.
const matches: TypeMatcher = (condition, typename) =>
  condition === typename || (condition === 'Media' && (typename === 'Book' || typename === 'Movie'));

const field = (name: string, selections?: QueryPlanSelectionNode[], alias?: string): QueryPlanSelectionNode =>
  ({ kind: 'Field', name, alias, selections }) as QueryPlanSelectionNode;
const on = (typeCondition: string, selections: QueryPlanSelectionNode[]): QueryPlanSelectionNode => ({
  kind: 'InlineFragment',
  typeCondition,
  selections,
});

describe('representations', () => {
  const requires = [on('Book', [field('__typename'), field('isbn')])];

  it('selects the key fields of an object whose type matches, and nothing otherwise', () => {
    const select = compileRepresentationSelector(requires, matches);
    expect(select({ __typename: 'Book', isbn: '42', title: 'x' })).toEqual({ __typename: 'Book', isbn: '42' });
    expect(select({ __typename: 'Movie', isbn: '42' })).toBeUndefined();
  });

  it('the compiled flat selector and the general walk agree', () => {
    const object = { __typename: 'Book', isbn: '42', title: 'x' };
    expect(compileRepresentationSelector(requires, matches)(object)).toEqual(selectRepresentation(object, requires, matches));
  });

  it('walks nested @requires selections and abstract type conditions', () => {
    const nested = [on('Media', [field('__typename'), field('id'), field('dimensions', [field('width'), field('height')])])];
    const select = compileRepresentationSelector(nested, matches);
    expect(select({ __typename: 'Movie', id: 7, dimensions: { width: 2, height: 1, depth: 9 }, other: 1 })).toEqual({
      __typename: 'Movie',
      id: 7,
      dimensions: { width: 2, height: 1 },
    });
  });

  it('an index gives equal representations one entry, building each representation once, and tells value types apart', () => {
    const compiled = compileRepresentationSelector([on('Media', [field('__typename'), field('id'), field('ref', undefined, 'alias')])], matches);
    let built = 0;
    const select: RepresentationSelector = Object.assign((object: Record<string, unknown>) => (built++, compiled(object)), { flat: compiled.flat });
    const index = new RepresentationIndex();
    const add = (object: Record<string, unknown>) => index.add(object, select);
    expect(add({ __typename: 'Book', id: '1', alias: 'r', title: 'a' })).toBe(0);
    expect(add({ __typename: 'Book', id: '1', alias: 'r', title: 'b' })).toBe(0);
    expect(built).toBe(1);
    expect(add({ __typename: 'Movie', id: '1', alias: 'r' })).toBe(1);
    expect(add({ __typename: 'Book', id: 1, alias: 'r' })).toBe(2);
    expect(add({ __typename: 'Book', id: '1', alias: null })).toBe(3);
    expect(add({ __typename: 'Book', id: '1' })).toBe(4);
    expect(add({ __typename: 'Book', id: '1' })).toBe(4);
    expect(add({ __typename: 'Toy', id: '1' })).toBeUndefined();
    // A nested value takes the keyed way, and still deduplicates.
    expect(add({ __typename: 'Book', id: { a: 1 } })).toBe(5);
    expect(add({ __typename: 'Book', id: { a: 1 } })).toBe(5);
    expect(index.representations).toEqual([
      { __typename: 'Book', id: '1', ref: 'r' },
      { __typename: 'Movie', id: '1', ref: 'r' },
      { __typename: 'Book', id: 1, ref: 'r' },
      { __typename: 'Book', id: '1', ref: null },
      { __typename: 'Book', id: '1' },
      { __typename: 'Book', id: { a: 1 } },
    ]);
  });

  it('an index applies input rewrites before comparing, and indexes the general walk by key', () => {
    const index = new RepresentationIndex();
    const select = compileRepresentationSelector([on('Book', [field('__typename'), field('isbn')])], matches);
    const rewrite = (representation: Record<string, unknown>) => {
      representation.__typename = 'Media';
    };
    expect(index.add({ __typename: 'Book', isbn: '42' }, select, rewrite)).toBe(0);
    expect(index.add({ __typename: 'Book', isbn: '42' }, select, rewrite)).toBe(0);
    expect(index.representations).toEqual([{ __typename: 'Media', isbn: '42' }]);
    const nested = compileRepresentationSelector([on('Media', [field('id'), field('dimensions', [field('width')])])], matches);
    expect(nested.flat).toBeUndefined();
    expect(index.add({ __typename: 'Movie', id: 7, dimensions: { width: 2 } }, nested)).toBe(1);
    expect(index.add({ __typename: 'Movie', id: 7, dimensions: { width: 2, height: 3 } }, nested)).toBe(1);
  });

  it('dedup keys are equal exactly when the representations are equal', () => {
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ id: '1:b' }, { id: '1', b: '' }],
      [{ a: 'x', b: 'y' }, { a: 'xb', b: '' }],
      [{ id: 1 }, { id: '1' }],
      [{ id: true }, { id: 'true' }],
      [{ id: null }, { id: 'null' }],
      [{ id: { a: 1 } }, { id: '{"a":1}' }],
    ];
    for (const [left, right] of pairs) expect(representationKey(left)).not.toBe(representationKey(right));
    expect(representationKey({ __typename: 'Book', isbn: '42' })).toBe(representationKey({ __typename: 'Book', isbn: '42' }));
    expect(representationKey({ d: { w: [1, 2] } })).toBe(representationKey({ d: { w: [1, 2] } }));
  });
});

describe('applyRewrites', () => {
  it('ValueSetter sets __typename under a type condition only (the @interfaceObject case)', () => {
    const book = { __typename: 'Book', id: '1' };
    const movie = { __typename: 'Other', id: '2' };
    const rewrite = { kind: 'ValueSetter' as const, path: ['... on Book', '__typename'], setValueTo: 'Media' };
    applyRewrites(book, [rewrite], matches);
    applyRewrites(movie, [rewrite], matches);
    expect(book.__typename).toBe('Media');
    expect(movie.__typename).toBe('Other');
  });

  it('KeyRenamer renames a planner alias back, through lists', () => {
    const data = { items: [{ __typename: 'Book', title__alias_0: 'a' }, { __typename: 'Book', title__alias_0: 'b' }] };
    applyRewrites(data, [{ kind: 'KeyRenamer', path: ['items', '... on Book', 'title__alias_0'], renameKeyTo: 'title' }], matches);
    expect(data.items).toEqual([
      { __typename: 'Book', title: 'a' },
      { __typename: 'Book', title: 'b' },
    ]);
  });
});

describe('deepMerge', () => {
  it('merges objects key by key and lists element by element', () => {
    const target = { a: { x: 1 }, list: [{ id: 1 }, { id: 2 }], keep: 'k' };
    deepMerge(target, { a: { y: 2 }, list: [{ name: 'one' }, { name: 'two' }], added: true });
    expect(target).toEqual({ a: { x: 1, y: 2 }, list: [{ id: 1, name: 'one' }, { id: 2, name: 'two' }], keep: 'k', added: true });
  });
});
