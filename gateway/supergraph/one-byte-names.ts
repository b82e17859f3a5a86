/**
 * Keeps every name of a supergraph SDL interned as a one-byte (Latin-1) string, and hands out interned
 * copies of names. Why: V8 keeps one copy of each property key (the interned string), made by whoever
 * uses the name as a key first, and `JSON.stringify` writes the whole answer in two bytes per character
 * once it meets one two-byte string. On Node 20 the API schema built from the benchmark's plain-ASCII
 * supergraph held two-byte interned field names (`users`; in a standalone run of federation's
 * `Supergraph.build` and `toGraphQLJSSchema`, `me`); where inside that building they are made was not pinned
 * down. A slice of two-byte text (printed SDL whose descriptions hold a character past Latin-1) is one
 * way on any Node. Every answer object with such a key then stringified two-byte and twice the size, and
 * the first read of it (flattening and encoding for the socket) cost ~0.6-0.9 ms per 88 KB answer, not ~30 µs
 * (docs/performance.md, "One-byte names"). Node 24 and 26 copy short slices into one-byte strings but
 * keep slices of 13 characters or more two-byte, so long names are at risk there too. The interning costs
 * one pass over the SDL per supergraph version.
 */

/** Names as GraphQL spells them: the SDL's identifiers, all ASCII. */
const NAME = /[_A-Za-z][_0-9A-Za-z]*/g;

/**
 * A holder of `sdl`'s names interned as one-byte strings; they stay interned as long as it is kept, so
 * call it before anything else builds from the SDL and keep it with the supergraph.
 *
 * @example
 * const names = internOneByteNames(sdl); // then Supergraph.build(sdl); keep `names` alongside
 */
export function internOneByteNames(sdl: string): object {
  const names: Record<string, true> = Object.create(null);
  // Names are ASCII, so a Latin-1 round trip of the whole text keeps them where they are (only characters
  // past Latin-1, in descriptions and strings, change) and makes the text, and so every slice of it,
  // one-byte. Only those slices may be used as keys: a slice of a two-byte SDL used as a key, or even
  // added to a Set, would be interned as it is.
  const text = Buffer.from(sdl, 'latin1').toString('latin1');
  for (const [name] of text.matchAll(NAME)) names[name!] = true;
  return names;
}

/**
 * The interned copy of `name`: the one `internOneByteNames` made when the name is in the SDL (so
 * one-byte), whatever `name` itself is.
 *
 * @example
 * interned(type.name); // the same characters, as the interned string
 */
export function interned(name: string): string {
  return Object.keys({ [name]: true })[0]!;
}
