import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../gateway/config/load-config.js';
import { parseCacheControl } from '../../../../gateway/plugins/response-cache/cache-control.js';
import { entryLifetime } from '../../../../gateway/plugins/response-cache/entry-lifetime.js';
import { createMemoryResponseStore } from '../../../../gateway/plugins/response-cache/response-store.js';

describe('parseCacheControl', () => {
  it.each([
    [undefined, { maxAge: undefined, private: false, public: false, noStore: false }],
    ['max-age=60', { maxAge: 60, private: false, public: false, noStore: false }],
    ['public, max-age=60, s-maxage=30', { maxAge: 30, private: false, public: true, noStore: false }],
    ['max-age=60, private', { maxAge: 60, private: true, public: false, noStore: false }],
    ['no-store', { maxAge: undefined, private: false, public: false, noStore: true }],
    ['no-cache, max-age=5', { maxAge: 5, private: false, public: false, noStore: true }],
    ['max-age="20"', { maxAge: 20, private: false, public: false, noStore: false }],
    ['max-age=-1, max-age=x', { maxAge: undefined, private: false, public: false, noStore: false }],
    [['max-age=10', 'PRIVATE'], { maxAge: 10, private: true, public: false, noStore: false }],
  ])('%j', (header, expected) => {
    expect(parseCacheControl(header)).toEqual(expected);
  });
});

describe('entryLifetime', () => {
  const config = (cache: Record<string, unknown> = {}) => parseConfig({ responseCache: cache }, 'test').responseCache;
  const fetch = (maxAge: number | undefined, noStore = false) => ({ maxAge, private: false, public: false, noStore });
  const coordinates = { types: new Set(['Query', 'Product']), fields: new Set(['Query.topProducts', 'Product.name']) };

  it('is the smallest max-age of the fetches', () => {
    expect(entryLifetime({ fetches: [fetch(60), fetch(30)], ...coordinates, config: config() })).toBe(30_000);
  });

  it('is 0 when any fetch says no-store', () => {
    expect(entryLifetime({ fetches: [fetch(60), fetch(60, true)], ...coordinates, config: config({ ttl: { Product: '1h' } }) })).toBe(0);
  });

  it('is capped by the ttl entries of the types and fields the operation uses', () => {
    const ttl = { Product: '20s', 'Query.topProducts': '10s', Review: '1s' };
    expect(entryLifetime({ fetches: [fetch(60)], ...coordinates, config: config({ ttl }) })).toBe(10_000);
  });

  it('takes defaultTtl for fetches without max-age, unless a ttl entry covers the operation', () => {
    expect(entryLifetime({ fetches: [fetch(undefined), fetch(60)], ...coordinates, config: config() })).toBe(0);
    expect(entryLifetime({ fetches: [fetch(undefined), fetch(60)], ...coordinates, config: config({ defaultTtl: '5s' }) })).toBe(5_000);
    expect(entryLifetime({ fetches: [fetch(undefined)], ...coordinates, config: config({ ttl: { Product: '40s' } }) })).toBe(40_000);
    expect(entryLifetime({ fetches: [], ...coordinates, config: config({ defaultTtl: '3s' }) })).toBe(3_000);
  });
});

describe('memory response store', () => {
  it('expires entries, evicts the least recently used past maxBytes, and purges by tag groups', async () => {
    let now = 0;
    const store = createMemoryResponseStore({ maxBytes: 40, now: () => now });
    await store.set('a', 'xxxxxxxxxx', 1_000, ['type:P']);
    await store.set('b', 'yyyyyyyyyy', 5_000, ['type:P', 'e:1']);
    now = 1_000;
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe('yyyyyyyyyy');
    await store.set('c', 'zzzzzzzzzz', 5_000, ['type:Q']);
    await store.set('d', 'wwwwwwwwww', 5_000, ['type:Q']);
    expect(store.usage!()).toMatchObject({ entries: 2, evictions: 1 });
    expect(await store.get('b')).toBeUndefined();
    expect(await store.purge([['type:Q', 'nope']])).toBe(0);
    expect(await store.purge([['type:Q']])).toBe(2);
    expect(store.usage!()).toMatchObject({ entries: 0, bytes: 0 });
    await store.set('e', 'tiny', 0, ['type:P']);
    expect(await store.purge('all')).toBe(1);
  });

  it('does not store an entry larger than the whole budget', async () => {
    const store = createMemoryResponseStore({ maxBytes: 10 });
    await store.set('k', 'x'.repeat(20), 1_000, []);
    expect(await store.get('k')).toBeUndefined();
  });
});
