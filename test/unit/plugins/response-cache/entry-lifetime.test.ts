import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../gateway/config/load-config.js';
import { entryLifetime } from '../../../../gateway/plugins/response-cache/entry-lifetime.js';

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
