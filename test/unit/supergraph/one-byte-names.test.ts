import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { interned, internOneByteNames } from '../../../gateway/supergraph/one-byte-names.js';

// Why this exists: gateway/supergraph/one-byte-names.ts. V8 interns a name once, in the representation of
// whoever used it as a key first; a slice of two-byte text (an SDL with an em dash in a description) is
// two-byte, and so would be every answer object key of that name. Node 20 has no way to ask a string's
// representation, so this runs where `v8.isStringOneByteRepresentation` exists (Node 22.15+, CI's 24 and 26).
const isOneByte = (v8 as { isStringOneByteRepresentation?: (value: string) => boolean }).isStringOneByteRepresentation;

/**
 * A name made at run time, so no literal of this file interned it first; 13 characters or more, since V8
 * makes shorter slices as copies, one-byte when they fit.
 */
const freshName = (prefix: string) => `${prefix}${randomUUID().replaceAll('-', '').slice(0, 16)}`;

describe.runIf(isOneByte !== undefined)('internOneByteNames', () => {
  const oneByte = isOneByte!;
  const field = freshName('topProducts');
  const type = freshName('Product');
  const sdl = `type Query {\n  "Top products — the best sellers"\n  ${field}(first: Int): [${type}]\n}\ntype ${type} { upc: String }\n`;
  const twoByteSlice = (name: string) => sdl.slice(sdl.indexOf(name), sdl.indexOf(name) + name.length);

  it('makes the interned copy of every SDL name one-byte, even when the SDL text is two-byte', () => {
    expect(oneByte(sdl)).toBe(false);
    const names = internOneByteNames(sdl);
    for (const name of [field, type]) {
      const slice = twoByteSlice(name);
      expect(oneByte(slice)).toBe(false);
      const copy = interned(slice);
      expect(copy).toBe(name);
      expect(oneByte(copy)).toBe(true);
      // An object keyed by the two-byte slice stringifies one-byte: what the answers get.
      expect(oneByte(JSON.stringify({ [slice]: 1 }))).toBe(true);
    }
    expect(names).toBeTypeOf('object');
  });

  it('leaves a name it was not given in the representation it comes in', () => {
    const text = `x — ${freshName('notInTheSchema')}`;
    expect(oneByte(interned(text.slice(4)))).toBe(false);
  });
});
