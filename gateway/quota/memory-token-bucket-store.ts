import { type BucketPolicy, bucketResult, type TokenBucketStore } from './token-bucket-store.js';

interface Bucket {
  tokens: number;
  /** Clock reading (ms) the tokens were computed at. */
  at: number;
}

/** Full buckets are dropped this often, so idle clients hold no memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Token buckets in this process's memory: the default store, exact for one process (JavaScript runs one
 * call at a time, so read-refill-write cannot interleave). Buckets that refilled completely are swept
 * every minute. `now` is the clock in milliseconds (monotonic by default; tests pass their own).
 *
 * @example
 * const store = createMemoryTokenBucketStore();
 * await store.take('ip:10.0.0.1', 25, { capacity: 100, refillPerSecond: 10 }); // { allowed: true, remaining: 75, ... }
 */
export function createMemoryTokenBucketStore(options: { now?: () => number } = {}): TokenBucketStore {
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, { bucket: Bucket; policy: BucketPolicy }>();
  const sweep = setInterval(() => {
    const time = now();
    for (const [key, { bucket, policy }] of buckets) {
      if (refilled(bucket, policy, time) >= policy.capacity) buckets.delete(key);
    }
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  /** `delta` > 0 takes (all or nothing, or anyway into debt when `force`), < 0 gives back. */
  const apply = (key: string, delta: number, policy: BucketPolicy, force = false) => {
    const time = now();
    const entry = buckets.get(key);
    const bucket = entry?.bucket ?? { tokens: policy.capacity, at: time };
    let tokens = refilled(bucket, policy, time);
    let allowed = true;
    if (delta > 0) {
      if (tokens >= delta) tokens -= delta;
      else if (force) tokens = Math.max(-policy.capacity, tokens - delta);
      else allowed = false;
    } else {
      tokens = Math.min(policy.capacity, tokens - delta);
    }
    bucket.tokens = tokens;
    bucket.at = time;
    buckets.set(key, { bucket, policy });
    return bucketResult(tokens, Math.max(delta, 0), allowed, policy);
  };

  return {
    async take(key, amount, policy) {
      return apply(key, amount, policy);
    },
    async giveBack(key, amount, policy) {
      return apply(key, -amount, policy);
    },
    async charge(key, amount, policy) {
      return apply(key, amount, policy, true);
    },
    async close() {
      clearInterval(sweep);
      buckets.clear();
    },
  };
}

function refilled(bucket: Bucket, policy: BucketPolicy, time: number): number {
  const elapsed = Math.max(0, time - bucket.at);
  return Math.min(policy.capacity, bucket.tokens + (elapsed * policy.refillPerSecond) / 1000);
}
