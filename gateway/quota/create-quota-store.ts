import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { redisConnectionOf } from '../stores/redis-config.js';
import { createMemoryTokenBucketStore } from './memory-token-bucket-store.js';
import { createRedisTokenBucketStore } from './redis-token-bucket-store.js';
import type { TokenBucketStore } from './token-bucket-store.js';

/**
 * The bucket store gateway.yaml's `quotaStore` asks for: memory (default) or Redis (one server, Sentinel or cluster).
 *
 * @example
 * const store = await createQuotaStore(config.quotaStore, logger);
 */
export async function createQuotaStore(config: GatewayConfig['quotaStore'], logger: Logger): Promise<TokenBucketStore> {
  if (config.kind === 'memory') return createMemoryTokenBucketStore();
  const connection = redisConnectionOf(config.redis, config.url);
  return createRedisTokenBucketStore({ connection, keyPrefix: config.keyPrefix, timeoutMs: config.timeout, logger });
}
