import { describe, expect, it } from 'vitest';
import { createMemoryTokenBucketStore } from '../../../gateway/quota/memory-token-bucket-store.js';

const policy = { capacity: 100, refillPerSecond: 10 };

describe('memory token bucket store', () => {
  it('starts full, takes all or nothing, and says when enough will have refilled', async () => {
    let now = 0;
    const store = createMemoryTokenBucketStore({ now: () => now });
    expect(await store.take('a', 70, policy)).toEqual({ allowed: true, remaining: 30, retryAfterSeconds: 0, resetSeconds: 7 });
    expect(await store.take('a', 45, policy)).toEqual({ allowed: false, remaining: 30, retryAfterSeconds: 2, resetSeconds: 7 });
    now = 1_500; // +15 points
    expect(await store.take('a', 45, policy)).toMatchObject({ allowed: true, remaining: 0 });
    await store.close();
  });

  it('refills at the restore rate up to capacity, and never above it on give-back', async () => {
    let now = 0;
    const store = createMemoryTokenBucketStore({ now: () => now });
    await store.take('a', 100, policy);
    now = 60_000;
    expect((await store.take('a', 0, policy)).remaining).toBe(100);
    expect((await store.giveBack('a', 50, policy)).remaining).toBe(100);
    await store.take('a', 80, policy);
    expect((await store.giveBack('a', 30, policy)).remaining).toBe(50);
    await store.close();
  });

  it('keeps buckets apart by key', async () => {
    const store = createMemoryTokenBucketStore({ now: () => 0 });
    await store.take('a', 100, policy);
    expect((await store.take('b', 100, policy)).allowed).toBe(true);
    expect((await store.take('a', 1, policy)).allowed).toBe(false);
    await store.close();
  });
});
