import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMemoryTokenBucketStore } from '../../gateway/quota/memory-token-bucket-store.js';
import { createRedisTokenBucketStore } from '../../gateway/quota/redis-token-bucket-store.js';
import type { TokenBucketStore } from '../../gateway/quota/token-bucket-store.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

// `charge` takes points for work already done (an answer that cost more than its estimate): from a bucket
// that holds them like `take`, else into debt, down to minus the capacity; both stores alike.

const policy = { capacity: 100, refillPerSecond: 0.001 };

describe.each(['memory', 'redis'] as const)('token bucket charge (%s store)', (kind) => {
  let redis: TestRedis | undefined;
  let store: TokenBucketStore;
  beforeAll(async () => {
    if (kind === 'memory') {
      store = createMemoryTokenBucketStore();
      return;
    }
    redis = await startRedis();
    store = await createRedisTokenBucketStore({ connection: { url: redis.url }, keyPrefix: 'charge-test:', timeoutMs: 2_000, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.close();
  });

  it('takes what the bucket holds, then goes into debt down to minus its capacity, which the next take must wait out', async () => {
    expect(await store.charge('a', 30, policy)).toMatchObject({ allowed: true, remaining: 70 });
    // 70 - 120 = -50: allowed anyway, nothing left.
    expect(await store.charge('a', 120, policy)).toMatchObject({ allowed: true, remaining: 0 });
    // 10 more needs 60 points of refill.
    const refused = await store.take('a', 10, policy);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59_000);
    // The debt stops at minus the capacity: 110 for 10 points, not 1,010.
    await store.charge('a', 1_000, policy);
    const capped = (await store.take('a', 10, policy)).retryAfterSeconds;
    expect(capped).toBeGreaterThanOrEqual(109_990);
    expect(capped).toBeLessThanOrEqual(110_001);
    // A give-back pays the debt first.
    await store.giveBack('a', 150, policy);
    expect(await store.take('a', 40, policy)).toMatchObject({ allowed: true, remaining: 10 });
  });
});
