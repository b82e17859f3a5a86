import { describe, expect, it } from 'vitest';
import type { TypeMatcher } from '../../../gateway/engine/entity-representations.js';
import { collectTargets, compilePath, pathOf } from '../../../gateway/engine/response-targets.js';

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
const root = [{ object: data, path: undefined }];
const at = (path: (string | number)[]) => collectTargets(root, compilePath(path), matches).map((t) => pathOf(t.path));

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
});
