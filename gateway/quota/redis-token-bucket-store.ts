import type { Logger } from '../logger.js';
import { createRedisClient } from '../stores/redis-client.js';
import type { RedisConnection } from '../stores/redis-config.js';
import { type BucketPolicy, bucketResult, type TokenBucketStore } from './token-bucket-store.js';

/**
 * One atomic read-refill-write of a bucket, on Redis's own clock (TIME), so replicas with skewed clocks
 * share one consistent bucket and two replicas can never spend the same points.
 * One key per call, so it needs no hash tag on a Redis Cluster: each bucket lives in its own slot.
 * KEYS[1] bucket; ARGV capacity, refill per second, delta (> 0 take all or nothing, < 0 give back).
 * Returns { allowed (1/0), tokens after the call (as a string: Lua numbers would be truncated) }.
 * The key expires once the bucket would be full again: an idle client costs no memory.
 */
const BUCKET_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local delta = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then tokens = tokens + (now - at) * rate / 1000 end
if tokens > capacity then tokens = capacity end
local allowed = 1
if delta > 0 then
  if tokens >= delta then tokens = tokens - delta
  elseif force then tokens = math.max(-capacity, tokens - delta)
  else allowed = 0 end
elseif delta < 0 then
  tokens = math.min(capacity, tokens - delta)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return { allowed, tostring(tokens) }
`;

type BucketCommand = (key: string, capacity: number, rate: number, delta: number, force: 0 | 1) => Promise<[number, string]>;

/** Options of {@link createRedisTokenBucketStore}. */
export interface RedisTokenBucketStoreOptions {
  /** A single server, a Sentinel-managed master or a cluster. */
  readonly connection: RedisConnection;
  /** Prefix of every key, e.g. `atrium:quota:`. */
  readonly keyPrefix: string;
  /** Longest wait for one command, in ms; then the call fails (and the caller's `onStoreError` applies). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * Token buckets in Redis, shared by every gateway replica. Commands are never queued while Redis is
 * unreachable: they fail at once (the caller applies `onStoreError`), and the client reconnects in the
 * background. Resolves once connected, or after `timeoutMs` without Redis (it keeps trying).
 *
 * @example
 * const store = await createRedisTokenBucketStore({ connection: { url: 'redis://127.0.0.1:6379' }, keyPrefix: 'atrium:quota:', timeoutMs: 250, logger });
 * await store.take('client:app-1', 12, { capacity: 1000, refillPerSecond: 50 });
 */
export async function createRedisTokenBucketStore(options: RedisTokenBucketStoreOptions): Promise<TokenBucketStore> {
  const { logger } = options;
  const redis = createRedisClient(options.connection, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1_000),
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  redis.defineCommand('atriumBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  const bucketCommand = (redis as unknown as { atriumBucket: BucketCommand }).atriumBucket.bind(redis);
  let connected = false;
  redis.on('ready', () => {
    connected = true;
    logger.info({ store: 'redis' }, 'quota store: connected');
  });
  redis.on('error', (error) => {
    // ioredis repeats the error on every reconnect attempt: log the first of each outage only.
    if (connected) logger.warn({ err: error, store: 'redis' }, 'quota store: connection lost');
    connected = false;
  });
  await Promise.race([
    redis.connect().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, options.timeoutMs).unref()),
  ]);
  if (!connected) logger.warn({ store: 'redis' }, 'quota store: Redis is not reachable yet; onStoreError applies until it is');

  const apply = async (key: string, delta: number, policy: BucketPolicy, force = false) => {
    const command = bucketCommand(options.keyPrefix + key, policy.capacity, policy.refillPerSecond, delta, force ? 1 : 0);
    const [allowed, tokens] = await withinTimeout(command, options.timeoutMs);
    return bucketResult(Number(tokens), Math.max(delta, 0), allowed === 1, policy);
  };
  let closed = false;
  return {
    take: (key, amount, policy) => apply(key, amount, policy),
    giveBack: (key, amount, policy) => apply(key, -amount, policy),
    charge: (key, amount, policy) => apply(key, amount, policy, true),
    async close() {
      if (closed) return;
      closed = true;
      redis.disconnect();
    },
  };
}

/**
 * `command`, failed after `ms`: `commandTimeout` bounds one attempt on one connection, but a cluster client
 * retries a command whose node is down (a new slot map, another attempt), and a request must not wait for that.
 */
function withinTimeout<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`quota store: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([command, expired]).finally(() => clearTimeout(timer));
}
