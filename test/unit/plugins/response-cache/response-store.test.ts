import { describe, expect, it } from 'vitest';
import { createMemoryResponseStore } from '../../../../gateway/plugins/response-cache/response-store.js';

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
