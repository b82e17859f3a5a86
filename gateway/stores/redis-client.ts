import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logger.js';
import type { RedisConnection } from './redis-config.js';

/** A client of one Redis server, of a Sentinel-managed master (both `Redis`), or of a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How a store wants its client to behave while Redis is slow or down: the ioredis options of that name. */
export interface RedisClientBehaviour {
  readonly enableOfflineQueue?: boolean;
  readonly maxRetriesPerRequest?: number;
  readonly commandTimeout?: number;
  readonly connectTimeout?: number;
  readonly lazyConnect?: boolean;
  /** Delay before reconnect attempt `attempt` (ms); also how a cluster client retries its nodes. */
  readonly retryStrategy?: (attempt: number) => number;
}

/**
 * The ioredis client a connection block asks for: `Redis` on a URL, `Redis` with `sentinels` (it asks the
 * Sentinels for the master, and again after a failover), or `Redis.Cluster` on the cluster's nodes. The
 * behaviour options apply to every node connection of a cluster.
 *
 * @example
 * const redis = createRedisClient({ cluster: { nodes: ['redis://10.0.0.1:6379'] } }, { enableOfflineQueue: false });
 */
export function createRedisClient(connection: RedisConnection, behaviour: RedisClientBehaviour = {}): RedisClient {
  const { Cluster, Redis } = loadIoredis();
  const { username, password, tls } = connection;
  const credentials: RedisOptions = {
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(tls !== undefined && { tls: tlsOptions(tls) }),
  };
  if (connection.cluster !== undefined) {
    const { retryStrategy, enableOfflineQueue, lazyConnect, ...perNode } = behaviour;
    const nodes = connection.cluster.nodes.map((node) => new URL(node));
    // Startup-node URLs only reach the nodes listed; discovered nodes use redisOptions, so the first URL's
    // credentials and scheme stand for the whole cluster unless username/password/tls are set.
    const first = nodes[0]!;
    return new Cluster(
      nodes.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
      {
        ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
        ...(lazyConnect !== undefined && { lazyConnect }),
        ...(retryStrategy !== undefined && { clusterRetryStrategy: retryStrategy, clusterNodeRetryStrategy: retryStrategy }),
        redisOptions: {
          ...(first.username !== '' && { username: decodeURIComponent(first.username) }),
          ...(first.password !== '' && { password: decodeURIComponent(first.password) }),
          ...(first.protocol === 'rediss:' && { tls: {} }),
          ...perNode,
          ...credentials,
        },
      },
    );
  }
  if (connection.sentinel !== undefined) {
    const { sentinels, name, sentinelPassword } = connection.sentinel;
    return new Redis({
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      ...(sentinelPassword !== undefined && { sentinelPassword }),
      ...(connection.sentinel.tls && { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(tls ?? { rejectUnauthorized: true }) }),
      ...behaviour,
      ...credentials,
    });
  }
  return new Redis(connection.url!, { ...behaviour, ...credentials });
}

/**
 * `prefix` as the keys of one multi-key Lua script or transaction must carry it on a cluster: wrapped in a
 * hash tag (`{atrium:registry:}`), so every key built on it hashes to one slot. Unchanged on a single
 * server or Sentinel, where existing keys keep their names, and when the prefix has a tag already.
 *
 * @example
 * slotPrefix(cluster, 'atrium:registry:') + 'revision'; // '{atrium:registry:}revision'
 */
export function slotPrefix(redis: RedisClient, prefix: string): string {
  if (!redis.isCluster || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/**
 * ioredis, loaded by the first client: a gateway with no Redis store never loads it (it is a good share
 * of what `atrium serve` would otherwise load at start-up, docs/performance.md).
 */
function loadIoredis(): typeof import('ioredis') {
  return createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
}

function tlsOptions(tls: NonNullable<RedisConnection['tls']>): ConnectionOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.servername !== undefined && { servername: tls.servername }),
  };
}

/** How often one store logs that Redis is failing: once per this many ms, not once per request. */
const LOG_EVERY_MS = 10_000;

/**
 * A Redis client (single server, Sentinel or cluster) for a store that must never hold a request up:
 * commands fail at once while Redis is down (no offline queue, one attempt) and the store treats a
 * failure as a miss; ioredis reconnects in the background. Connection errors are logged, at most once
 * per 10 s. Resolves once connected, or after `readyTimeoutMs` (default 3 s) with Redis still down: the
 * gateway starts either way.
 *
 * @example
 * const redis = await createStoreRedis({ url: 'redis://127.0.0.1:6379' }, logger, 'responseCache');
 */
export async function createStoreRedis(connection: RedisConnection, logger: Logger, store: string, readyTimeoutMs = 3_000): Promise<RedisClient> {
  const redis = createRedisClient(connection, {
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
