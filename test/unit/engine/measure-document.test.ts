import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { countTokens, measureDocument } from '../../../gateway/engine/measure-document.js';

describe('measureDocument', () => {
  it('measures depth, aliases, root fields and directives of the worst operation', () => {
    const document = parse(`
      query A { a: me { id } b: me { reviews { product { upc } } } }
      query B @cached { x @include(if: true) y z w }
    `);
    expect(measureDocument(document)).toMatchObject({ depth: 4, aliases: 2, rootFields: 4, directives: 2 });
  });

  it('expands fragments where they are spread and inline fragments in place', () => {
    const document = parse(`
      { ...F ...F ... on Query { c: x } }
      fragment F on Query { a: x @skip(if: false) b: y { z } }
    `);
    expect(measureDocument(document)).toMatchObject({ depth: 2, aliases: 5, rootFields: 5, directives: 2 });
  });

  it('finds the longest name of the text or @defer/@stream label, wherever it sits', () => {
    const longest = (text: string) => measureDocument(parse(text)).longestName;
    expect(longest('{ me { id } }')).toBe(2);
    // Keywords are name tokens too (query: 5), which no limit in use comes near.
    expect(longest('query Four { me { id } }')).toBe(5);
    expect(longest('query OperationName { me { id } }')).toBe(13);
    expect(longest('{ me { abc: id } }')).toBe(3);
    expect(longest('{ ...F } fragment F on Query { me { abcdefghijk: id } }')).toBe(11);
    expect(longest('{ ... on Q { me { ... @defer(label: "seven77") { id } } } }')).toBe(7);
    expect(longest('{ ...F } fragment F on Q @defer(label: "abcdefghijklm") { x }')).toBe(13);
    expect(longest('{ items @stream(label: "abcdefg", initialCount: 1) { id } }')).toBe(12);
    // Every name token counts (field, argument, variable, fragment, type names); string values do not.
    expect(longest('query Q($averyLongVariableName: Int) { f(arg: "a string argument much longer than any name") { id } }')).toBe(21);
    expect(longest('{ ...AVeryLongFragmentName } fragment AVeryLongFragmentName on T { id }')).toBe(21);
    expect(longest('{ averyLongFieldNameHere }')).toBe(22);
  });

  it('measures a fragment bomb without expanding it (2^40 uses counted, in linear time)', () => {
    const depth = 40;
    const fragments = Array.from({ length: depth }, (_, i) => `fragment F${i} on Query { a: x ${i + 1 < depth ? `...F${i + 1} ...F${i + 1}` : ''} }`);
    const measures = measureDocument(parse(`{ ...F0 } ${fragments.join(' ')}`));
    expect(measures.aliases).toBe(2 ** depth - 1);
    expect(measures.depth).toBe(1);
  });

  it('counts selections after fragment expansion without expanding (2^k - 1 from k fragments)', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Product { name ${i + 1 < levels ? `...F${i + 1} ...F${i + 1}` : ''} }`);
    expect(measureDocument(parse(`{ topProducts { ...F0 } } ${fragments.join(' ')}`)).selections).toBe(2 ** levels);
    expect(measureDocument(parse('{ a { b c } ... on Query { d } }')).selections).toBe(4);
  });

  it('reports an overflowing count as the largest exact integer (JSON has no Infinity)', () => {
    const levels = 1100;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Q { a: x ${i + 1 < levels ? `...F${i + 1} ...F${i + 1}` : ''} }`);
    expect(measureDocument(parse(`{ ...F0 } ${fragments.join(' ')}`))).toMatchObject({
      selections: Number.MAX_SAFE_INTEGER,
      aliases: Number.MAX_SAFE_INTEGER,
    });
  });

  it('counts a fragment cycle as empty instead of looping (validation rejects it later)', () => {
    expect(measureDocument(parse('{ ...A } fragment A on Query { a: x ...B } fragment B on Query { ...A }'))).toMatchObject({ aliases: 1 });
  });

  it('remembers the measures per document object', () => {
    const document = parse('{ a }');
    expect(measureDocument(document)).toBe(measureDocument(document));
  });
});

describe('countTokens', () => {
  it('counts tokens as the parser does for maxTokens (no comments, no start or end)', () => {
    expect(countTokens('{ me { id } }')).toBe(6);
    expect(countTokens('# only a comment\n{ a(x: "s", y: [1, 2.5]) }')).toBe(14);
    expect(() => parse('{ a b c }', { maxTokens: countTokens('{ a b c }') })).not.toThrow();
    expect(() => parse('{ a b c }', { maxTokens: countTokens('{ a b c }') - 1 })).toThrow(/tokens/);
  });

  it('stops at text that does not lex', () => {
    expect(countTokens('{ a ~ b }')).toBe(2);
  });
});
