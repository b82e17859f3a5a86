import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../gateway/engine/lru-cache.js';

describe('LruCache', () => {
  it('returns what was set and counts hits and misses', () => {
    const cache = new LruCache<number>(2);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('drops the least recently used entry past its size, where a read counts as a use', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a'); // a is now the most recently used
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('bounded by weight, drops least recently used entries until the total fits, and keeps no entry heavier than the bound', () => {
    const cache = new LruCache<string>({ maxEntries: 100, maxWeight: 10, weigh: (value) => value.length });
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    cache.get('a'); // b is now the least recently used
    cache.set('c', 'ccc');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aaaa', undefined, 'ccc']);
    expect(cache.weight).toBe(7);
    cache.set('a', 'a'); // replacing an entry replaces its weight
    expect(cache.weight).toBe(4);
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect([cache.size, cache.weight]).toEqual([2, 4]);
    cache.clear();
    expect([cache.size, cache.weight]).toEqual([0, 0]);
  });

  it('keeps nothing with size 0, and clear() empties it', () => {
    const off = new LruCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
    const cache = new LruCache<number>(5);
    cache.set('a', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
