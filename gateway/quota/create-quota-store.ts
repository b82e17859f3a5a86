import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { createMemoryTokenBucketStore } from './memory-token-bucket-store.js';
import { createRedisTokenBucketStore } from './redis-token-bucket-store.js';
import type { TokenBucketStore } from './token-bucket-store.js';

/**
 * The bucket store gateway.yaml's `quotaStore` asks for: memory (default) or Redis.
 *
 * @example
 * const store = await createQuotaStore(config.quotaStore, logger);
 */
export async function createQuotaStore(config: GatewayConfig['quotaStore'], logger: Logger): Promise<TokenBucketStore> {
  if (config.kind === 'memory') return createMemoryTokenBucketStore();
  return createRedisTokenBucketStore({ url: config.url, keyPrefix: config.keyPrefix, timeoutMs: config.timeout, logger });
}
