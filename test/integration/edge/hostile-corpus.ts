/** One hostile request of the fuzz corpus. */
export interface HostileRequest {
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  /** Query string for GET (with `?`), ignored for POST. */
  readonly search?: string;
  readonly contentType?: string;
  /** Extra request headers (credentials). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as on the wire). */
function percent(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = ['topProducts { upc name }', 'me { id }', 'latestReviews { id body }', '__typename', 'product(upc: "1001") { name }'];
const ODD_TEXT = ['\u0000', '\u202e', '\u200b', '\ud800', '\udfff', '💥', 'ﷺ', '\\', '"', '\u2028', 'ä'.normalize('NFD'), '\uffff'];

/**
 * A deterministic corpus of `count` hostile requests: random bytes, invalid UTF-8, deep nesting (GraphQL
 * and JSON), alias and fragment bombs, huge strings, odd unicode, duplicate keys, prototype-pollution
 * payloads, junk batches and persisted-query extensions, wrong types everywhere; guessed credentials (the
 * gateway must be configured with an API key and a JWT issuer for them to be checked) and operations whose
 * inventory answer is over `traffic.all.maxResponseSize` (the gateway must route inventory to a subgraph that
 * never stops sending).
 *
 * @example
 * for (const request of hostileCorpus(42, 300)) await send(request);
 */
export function hostileCorpus(seed: number, count: number): HostileRequest[] {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const json = (kind: string, value: unknown): HostileRequest => ({ kind, method: 'POST', body: Buffer.from(JSON.stringify(value)) });
  const raw = (kind: string, text: string | Buffer, contentType = 'application/json'): HostileRequest => ({
    kind,
    method: 'POST',
    contentType,
    body: typeof text === 'string' ? Buffer.from(text) : text,
  });
  const oddText = (length: number) => Array.from({ length }, () => (random() < 0.5 ? pick(ODD_TEXT) : String.fromCharCode(int(0, 0xffff)))).join('');

  const generators: (() => HostileRequest)[] = [
    () => raw('random bytes', Buffer.from(Array.from({ length: int(0, 4000) }, () => int(0, 255)))),
    () => raw('invalid UTF-8 in a query', Buffer.concat([Buffer.from('{"query":"{ product(upc: \\"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('\\") { name } }"}')])),
    () => json('deep GraphQL nesting', { query: `${'{ latestReviews '.repeat(int(50, 3000))}${'}'.repeat(int(50, 3000))}` }),
    () => raw('deep JSON nesting', `{"query":"{ __typename }","variables":{"x":${'['.repeat(int(1000, 100_000))}${']'.repeat(int(0, 10))}}}`),
    () => json('alias bomb', { query: `{ ${Array.from({ length: int(100, 20_000) }, (_, i) => `a${i}: ${pick(FIELDS)}`).join(' ')} }` }),
    () => {
      const depth = int(5, 40);
      const fragments = Array.from({ length: depth }, (_, i) => `fragment F${i} on Query { a: __typename ${i + 1 < depth ? `...F${i + 1} ...F${i + 1}` : ''} }`);
      return json('fragment bomb', { query: `{ ...F0 } ${fragments.join(' ')}` });
    },
    () => json('fragment cycle', { query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }),
    () => json('huge string', { query: `{ product(upc: "${'A'.repeat(int(10_000, 1_200_000))}") { name } }` }),
    () => json('huge variable', { query: 'query($upc: String!) { product(upc: $upc) { name } }', variables: { upc: 'x'.repeat(int(1, 900_000)) } }),
    () => json('odd unicode', { query: `{ ${oddText(int(1, 200))} }`, operationName: oddText(int(0, 20)), variables: { [oddText(5)]: oddText(50) } }),
    () => json('odd unicode value', { query: 'query($upc: String!) { product(upc: $upc) { name } }', variables: { upc: oddText(int(1, 500)) } }),
    () => raw('duplicate keys', '{"query":"{ __typename }","query":"{ me { id } }","variables":{"a":1,"a":{"b":2}},"operationName":null,"operationName":7}'),
    () => raw('__proto__ in variables', '{"query":"query($upc: String!) { product(upc: $upc) { name } }","variables":{"__proto__":{"polluted":true},"upc":"1001","constructor":{"prototype":{"polluted":true}}}}'),
    () => raw('__proto__ at the top', '{"__proto__":{"query":"{ me { id } }","polluted":true},"query":"{ __typename }","extensions":{"__proto__":{"persistedQuery":{"version":1}}}}'),
    () => json('wrong types', pick([{ query: 42 }, { query: ['{ a }'] }, { query: '{ __typename }', variables: 'x' }, { query: '{ __typename }', variables: [1] }, { query: '{ __typename }', operationName: { x: 1 } }, { query: null }, {}])),
    () => json('junk batch', Array.from({ length: int(0, 8) }, () => pick<unknown>([1, 'x', null, [], { query: '{ __typename }' }, { query: '{ a: __typename b: __typename }' }]))),
    () => json('junk persisted query', { extensions: { persistedQuery: pick<unknown>([{ version: '1', sha256Hash: 5 }, { version: 1, sha256Hash: 'a'.repeat(64) }, { version: 2 }, null, 'x']) } }),
    () => json('token soup', { query: Array.from({ length: int(1, 3000) }, () => pick(['{', '}', '(', ')', '...', '@skip', 'query', '$a', ':', '"x"', '1e999', 'on', '#c\n', '|', '&', '!', '['])).join(' ') }),
    // Issue 16: a fragment bomb without aliases (only maxSelections stops it), nested batches, an APQ
    // registration with the wrong hash, subscriptions.
    () => {
      const levels = int(12, 60);
      const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Product { name ${i + 1 < levels ? `...F${i + 1} ...F${i + 1}` : ''} }`);
      return json('fragment bomb without aliases', { query: `{ topProducts(first: 1) { ...F0 } } ${fragments.join(' ')}` });
    },
    () => json('nested batch', [[{ query: '{ __typename }' }], { query: '{ __typename }' }]),
    () => json('APQ hash mismatch', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    () => json('subscription', { query: pick(['subscription { topProducts { name } }', 'subscription S { __typename }']) }),
    () => raw('wrong content type', '{"query":"{ __typename }"}', pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', ''])),
    () => ({
      kind: 'hostile GET',
      method: 'GET',
      search: `?query=${percent(pick([`${'{ a '.repeat(500)}`, oddText(100), 'mutation { __typename }']))}${pick(['%ff%fe', '%', '%c3%28', ''])}&variables=${percent(pick(['{', '[]', '{"__proto__":{"x":1}}', oddText(20)]))}`,
    }),
    // Issue 16, items 5 and 6: guessed credentials (counted; past rateLimit.failedAuth the address is
    // locked out with 429), and an inventory answer that never ends (aborted at traffic.all.maxResponseSize).
    () => ({
      kind: 'guessed credential',
      method: 'POST',
      headers: pick<Record<string, string>>([
        { 'x-api-key': oddText(int(1, 40)).replace(/[^\x21-\x7e]/g, 'k') },
        { authorization: `Bearer ${pick(['eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', 'a.b.c', 'x'.repeat(int(1, 2000))])}` },
        { authorization: pick(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer  ']) },
      ]),
      body: Buffer.from(JSON.stringify({ query: pick(FIELDS.map((field) => `{ ${field} }`)) })),
    }),
    () => json('oversized subgraph answer', { query: pick(['{ product(upc: "1001") { name inStock } }', '{ warehouse(code: "w1", country: US) { code } }']) }),
  ];
  return Array.from({ length: count }, () => pick(generators)());
}
