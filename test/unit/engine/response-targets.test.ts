import { describe, expect, it } from 'vitest';
import type { TypeMatcher } from '../../../gateway/engine/entity-representations.js';
import { compilePath, Targets } from '../../../gateway/engine/response-targets.js';

// Book and Movie implement Media.
const matches: TypeMatcher = (condition, typename) =>
  condition === typename || (condition === 'Media' && (typename === 'Book' || typename === 'Movie'));

const data = {
  search: [
    { __typename: 'Book', isbn: '1', related: [{ __typename: 'Movie', id: 'm1' }, null] },
    { __typename: 'Movie', id: 'm2', related: [{ __typename: 'Book', isbn: '2' }] },
    null,
    { __typename: 'Song', id: 's1' },
  ],
  favourite: { __typename: 'Movie', id: 'm3' },
};
const root = Targets.root(data);
const at = (path: (string | number)[]) => {
  const targets = new Targets().collect(root, compilePath(path), matches);
  return targets.objects.map((_, i) => targets.pathOf(i));
};

describe('plan paths', () => {
  it('compiles fields, lists and type conditions', () => {
    expect(compilePath(['search', '@|[Book,Movie]', '|[Media]'])).toEqual([
      { kind: 'field', name: 'search', types: undefined },
      { kind: 'list', types: ['Book', 'Movie'] },
      { kind: 'filter', types: ['Media'] },
    ]);
  });

  it('collects every object at a path, skipping nulls, with response paths', () => {
    expect(at(['search', '@'])).toEqual([['search', 0], ['search', 1], ['search', 3]]);
    expect(at(['search', '@', 'related', '@'])).toEqual([['search', 0, 'related', 0], ['search', 1, 'related', 0]]);
    expect(at(['search'])).toEqual([['search', 0], ['search', 1], ['search', 3]]);
  });

  it('follows only values whose __typename satisfies a condition, abstract types included', () => {
    expect(at(['search', '@|[Book]'])).toEqual([['search', 0]]);
    expect(at(['search', '@|[Media]', 'related', '@|[Book]'])).toEqual([['search', 1, 'related', 0]]);
    expect(at(['favourite|[Book]'])).toEqual([]);
    expect(at(['favourite|[Movie]'])).toEqual([['favourite']]);
    expect(at(['search', '@', '|[Song]'])).toEqual([['search', 3]]);
  });

  it('works out paths through collections of collections, several paths into one, and known paths', () => {
    const search = new Targets().collect(root, compilePath(['search', '@']), matches);
    const related = new Targets().collect(search, compilePath(['related', '@']), matches);
    expect(related.objects).toEqual([{ __typename: 'Movie', id: 'm1' }, { __typename: 'Book', isbn: '2' }]);
    expect([related.pathOf(1), related.pathOf(0)]).toEqual([['search', 1, 'related', 0], ['search', 0, 'related', 0]]);

    const both = new Targets()
      .collect(root, compilePath(['favourite']), matches)
      .add([data.search[3]!], [['elsewhere', 7]])
      .collect(root, compilePath(['search', '@|[Book]']), matches);
    expect(both.objects).toEqual([data.favourite, data.search[3], data.search[0]]);
    expect(both.objects.map((_, i) => both.pathOf(i))).toEqual([['favourite'], ['elsewhere', 7], ['search', 0]]);
  });

  it('gives one object reached twice each of its paths, in order', () => {
    const shared = { __typename: 'Movie', id: 'm9' };
    const twice = Targets.root({ a: { m: shared }, b: [null, { m: shared }] });
    const movies = new Targets().collect(twice, compilePath(['a', 'm']), matches).collect(twice, compilePath(['b', '@', 'm']), matches);
    expect(movies.objects).toEqual([shared, shared]);
    expect([movies.pathOf(0), movies.pathOf(1)]).toEqual([['a', 'm'], ['b', 1, 'm']]);
  });

  it('finds each object where it is now when the tree changed after collecting, else keeps the fixed part of the path', () => {
    const [first, second, third] = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const tree: { shelf: { items: unknown[] } } = { shelf: { items: [first, second, third] } };
    const items = new Targets().collect(Targets.root(tree), compilePath(['shelf', 'items', '@']), matches);
    tree.shelf.items = [third, first];
    expect(items.objects.map((_, i) => items.pathOf(i))).toEqual([['shelf', 'items', 1], ['shelf', 'items'], ['shelf', 'items', 0]]);
  });
});
