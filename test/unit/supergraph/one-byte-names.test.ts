import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { interned, internOneByteNames } from '../../../gateway/supergraph/one-byte-names.js';

// Why this exists: gateway/supergraph/one-byte-names.ts. V8 interns a name once, in the representation of
// whoever used it as a key first; a slice of two-byte text (an SDL with an em dash in a description) is
// two-byte, and so would be every answer object key of that name.

/**
 * Whether V8 holds `value` one byte per character. `v8.serialize` writes a one-byte string under the tag
 * '"' and a two-byte one under 'c' (V8's value-serializer format, after its two version bytes and any
 * zero padding that aligns two-byte data), on every Node we support; Node 22.15+ also has
 * `v8.isStringOneByteRepresentation`, which must agree.
 */
function oneByte(value: string): boolean {
  const bytes = v8.serialize(value);
  let at = 2;
  while (bytes[at] === 0) at++;
  const tag = bytes[at];
  expect([0x22, 0x63]).toContain(tag);
  const direct = (v8 as { isStringOneByteRepresentation?: (value: string) => boolean }).isStringOneByteRepresentation;
  if (direct) expect(direct(value)).toBe(tag === 0x22);
  return tag === 0x22;
}

/**
 * A name made at run time, so no literal of this file interned it first; 13 characters or more, since V8
 * makes shorter slices as copies, one-byte when they fit.
 */
const freshName = (prefix: string) => `${prefix}${randomUUID().replaceAll('-', '').slice(0, 16)}`;

describe('internOneByteNames', () => {
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
