import type { GatewayConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import { ByteLru } from '../../stores/byte-lru.js';
import { createStoreRedis, storeFailureLogger } from '../../stores/redis-client.js';
import { redisConnectionOf } from '../../stores/redis-config.js';

/** Where APQ registrations live. Failures never throw: a lost registration is re-sent by the client. */
export interface ApqStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, query: string): Promise<void>;
  close(): Promise<void>;
}

const REDIS_PREFIX = 'atrium:apq:';

/**
 * The APQ store `persistedDocuments.apq` asks for: `memory` (a byte-bounded LRU in this process) or
 * `redis` (shared by replicas; keys `atrium:apq:<sha256>` with the configured lifetime).
 *
 * @example
 * const store = await createApqStore(config.persistedDocuments.apq, logger);
 */
export async function createApqStore(config: GatewayConfig['persistedDocuments']['apq'], logger: Logger): Promise<ApqStore> {
  if (config.store === 'memory') {
    const lru = new ByteLru<string>({ maxBytes: config.maxBytes });
    return {
      get: async (id) => lru.get(id),
      async set(id, query) {
        lru.set(id, query, query.length + id.length, config.ttl);
      },
      async close() {
        lru.clear();
      },
    };
  }
  // One key per registration: no hash tag needed on a cluster.
  const redis = await createStoreRedis(redisConnectionOf(config.redis, config.redisUrl), logger, 'apq');
  const warn = storeFailureLogger(logger, 'apq');
  return {
    async get(id) {
      try {
        return (await redis.get(REDIS_PREFIX + id)) ?? undefined;
      } catch (error) {
        warn(error);
        return undefined;
      }
    },
    async set(id, query) {
      try {
        if (config.ttl > 0) await redis.set(REDIS_PREFIX + id, query, 'PX', config.ttl);
        else await redis.set(REDIS_PREFIX + id, query);
      } catch (error) {
        warn(error);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
