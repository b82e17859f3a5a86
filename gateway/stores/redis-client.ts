import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** How often one store logs that Redis is failing: once per this many ms, not once per request. */
const LOG_EVERY_MS = 10_000;

/**
 * An ioredis client for a store that must never hold a request up: commands fail at once while Redis is
 * down (no offline queue, one attempt) and the store treats a failure as a miss; ioredis reconnects in
 * the background. Connection errors are logged, at most once per 10 s. Resolves once connected, or after
 * `readyTimeoutMs` (default 3 s) with Redis still down: the gateway starts either way.
 *
 * @example
 * const redis = await createStoreRedis('redis://127.0.0.1:6379', logger, 'responseCache');
 */
export async function createStoreRedis(url: string, logger: Logger, store: string, readyTimeoutMs = 3_000): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastLog = 0;
  redis.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    lastLog = now;
    logger.warn({ err: error, store }, 'redis: connection failed; the store answers misses until it is back');
  });
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, readyTimeoutMs);
      redis.once('ready', done);
      function done() {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      }
    });
  }
  return redis;
}

/**
 * Rate-limited warning for a failed store command, so a Redis outage is visible without flooding the log.
 *
 * @example
 * const warn = storeFailureLogger(logger, 'apq');
 * redis.get(key).catch((err) => { warn(err); return null; });
 */
export function storeFailureLogger(logger: Logger, store: string): (error: unknown) => void {
  let lastLog = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    lastLog = now;
    logger.warn({ err: error, store }, 'store: command failed; treated as a miss');
  };
}
