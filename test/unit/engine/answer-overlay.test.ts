import { describe, expect, it } from 'vitest';
import { AnswerOverlay, fieldOf } from '../../../gateway/engine/answer-overlay.js';
import { deepMerge, isObject, type JsonObject } from '../../../gateway/engine/json-merge.js';
import { deepFreeze } from '../../helpers/frozen-answers.js';


/** The merged tree as the overlay's run sees it, written out as plain JSON. */
function view(overlay: AnswerOverlay, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((_, i) => view(overlay, fieldOf(overlay, value, i)));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  const keys = new Set([...Object.keys(value), ...Object.keys(overlay.patchOf(value) ?? {})]);
  for (const key of keys) out[key] = view(overlay, fieldOf(overlay, value, key));
  return out;
}

describe('AnswerOverlay', () => {
  const answers = (): JsonObject[] => [
    { products: [{ id: 'p1', seller: { id: 's1' }, tags: ['a', 'b'] }, { id: 'p2', seller: null, tags: ['c'] }] },
    { products: [{ price: 3, seller: { name: 'S' }, tags: ['x', { t: 1 }] }, { price: 4, seller: { name: 'T' }, tags: [] }] },
    { products: [{ seller: { name: 'S2', rating: 5 } }, { tags: 'none' }], constructor: 'data' },
  ];

  it('merges like deepMerge without writing into any answer', () => {
    const expected: JsonObject = {};
    for (const answer of answers()) deepMerge(expected, structuredClone(answer));
    const data: JsonObject = {};
    const overlay = new AnswerOverlay(data);
    const frozen = answers().map(deepFreeze);
    for (const answer of frozen) overlay.merge(data, answer);
    expect(view(overlay, data)).toEqual(expected);
    expect(frozen).toEqual(answers());
  });

  it('reads keys named like Object.prototype members as data: absent until written, then what was written', () => {
    // Without a prototype of its own, the object shows whether its patch inherits anything.
    const product: JsonObject = deepFreeze(Object.assign(Object.create(null) as JsonObject, { id: 'p1' }));
    const overlay = new AnswerOverlay({});
    overlay.merge(product, { price: 1 });
    for (const key of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      expect(fieldOf(overlay, product, key)).toBeUndefined();
    }
    const entity = JSON.parse('{"toString":"t","constructor":{"name":"c"},"__proto__":{"x":1}}') as JsonObject;
    overlay.merge(product, entity);
    expect(fieldOf(overlay, product, 'toString')).toBe('t');
    expect(fieldOf(overlay, product, 'constructor')).toEqual({ name: 'c' });
    expect(fieldOf(overlay, product, '__proto__')).toEqual({ x: 1 });
    expect(Object.keys(overlay.patchOf(product)!)).toEqual(['price', 'toString', 'constructor', '__proto__']);
    expect(Object.keys(product)).toEqual(['id']);
  });

  it('merges into objects of earlier answers, which another run sees unchanged', () => {
    const [root, entity] = answers().map(deepFreeze);
    const mine = new AnswerOverlay({});
    const product = (root!.products as JsonObject[])[0]!;
    mine.merge(product, { price: 9, seller: { rating: 1 } });
    expect(fieldOf(mine, product, 'price')).toBe(9);
    expect(fieldOf(mine, fieldOf(mine, product, 'seller') as JsonObject, 'rating')).toBe(1);
    const theirs = new AnswerOverlay({});
    theirs.merge(product, entity!);
    expect(fieldOf(theirs, product, 'price')).toBeUndefined();
    expect(fieldOf(theirs, product, 'seller')).toEqual({ id: 's1' });
  });

  it('reads an object merged into itself and an answer merged twice the same way as in place', () => {
    const expected: JsonObject = {};
    const source = answers()[0]!;
    deepMerge(expected, structuredClone(source));
    deepMerge(expected, { products: [{ extra: 1 }, { extra: 2 }] });
    deepMerge(expected, (expected.products as JsonObject[])[0]!);
    const data: JsonObject = {};
    const overlay = new AnswerOverlay(data);
    const frozen = deepFreeze(answers()[0]!);
    overlay.merge(data, frozen);
    overlay.merge(data, { products: [{ extra: 1 }, { extra: 2 }] });
    overlay.merge(data, (frozen.products as JsonObject[])[0]!);
    expect(view(overlay, data)).toEqual(expected);
  });
});
