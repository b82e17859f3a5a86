import { z } from 'zod';
import type { DeepReadonly } from '../config/schema.js';
import { integer } from '../config/units.js';

// The one shape of a Redis connection in gateway.yaml, reused (not copied) by every section with a Redis
// store: `quotaStore.redis`, `responseCache.redis`, `persistedDocuments.apq.redis` and `registry.redis`.
// docs/config.md is generated from the TSDoc on these fields, under each of those sections.

const REDIS_URL = /^rediss?:\/\/\S+$/;
const URL_MESSAGE = 'expected a redis:// or rediss:// URL';

const sentinelAddressSchema = z
  .object({
    /**
     * Host name or IP address of one Sentinel.
     * @default none (required)
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1),
    /**
     * Port of that Sentinel.
     * @default 26379
     */
    port: integer(1, 65_535).default(26_379),
  })
  .strict();

const sentinelSchema = z
  .object({
    /**
     * The Sentinels to ask where the master is; any one that answers is enough.
     * @default none (required)
     */
    sentinels: z.array(sentinelAddressSchema).min(1, { error: 'expected at least one sentinel' }),
    /**
     * The master group name the Sentinels monitor (`sentinel monitor <name> ...` in their config).
     * @default none (required)
     */
    name: z.string({ error: 'expected the monitored master name' }).min(1),
    /**
     * Password of the Sentinels themselves (`requirepass` in sentinel.conf), when they have one; the
     * data nodes' password is `password`. Set it from a secret, e.g. `${env.REDIS_SENTINEL_PASSWORD}`.
     * @default none
     */
    sentinelPassword: z.string().optional(),
    /**
     * Speak TLS to the Sentinels too (with the `tls` options), not only to the data nodes.
     * @default false
     */
    tls: z.boolean().default(false),
  })
  .strict();

const clusterSchema = z
  .object({
    /**
     * Some nodes of the cluster (`redis://host:port`, any master or replica); the client learns the rest
     * with `CLUSTER SLOTS`. Listing one node per shard survives the loss of any one of them at startup.
     * @default none (required)
     */
    nodes: z.array(z.string({ error: URL_MESSAGE }).regex(REDIS_URL, { error: URL_MESSAGE })).min(1, { error: 'expected at least one node' }),
  })
  .strict();

const redisTlsSchema = z
  .object({
    /**
     * PEM text of the certificate authority that signed the server certificates, when it is not a public
     * one, e.g. `${env.REDIS_CA_PEM}`.
     * @default the system's trusted authorities
     */
    ca: z.string().optional(),
    /**
     * Refuse servers whose certificate does not verify. Turn off only for a test setup.
     * @default true
     */
    rejectUnauthorized: z.boolean().default(true),
    /**
     * Server name to verify the certificate against (SNI), when it differs from the host connected to.
     * @default the host connected to
     */
    servername: z.string().optional(),
  })
  .strict();

/**
 * Where a store's Redis is: exactly one of `url` (one server), `sentinel` (a master found through Redis
 * Sentinel, followed across failovers) or `cluster` (Redis Cluster), plus credentials and TLS. Each section
 * applies {@link oneRedisMode} to it.
 */
export const redisConnectionSchema = z
  .object({
    /**
     * One Redis server, e.g. `redis://redis.internal:6379/0`, `rediss://` for TLS, or `${env.REDIS_URL}`.
     * Credentials may be in the URL (`redis://user:pass@host:6379`) or in `username`/`password`.
     * @default none (one of url, sentinel, cluster is required)
     */
    url: z.string({ error: URL_MESSAGE }).regex(REDIS_URL, { error: URL_MESSAGE }).optional(),
    /**
     * A master found through Redis Sentinel; the client asks the Sentinels again after a failover.
     * @default none
     */
    sentinel: sentinelSchema.optional(),
    /**
     * A Redis Cluster. Keys a Lua script or transaction touches together carry a `{hash tag}`, so they
     * live in one slot (see docs/production.md).
     * @default none
     */
    cluster: clusterSchema.optional(),
    /**
     * ACL user name of the data nodes (Redis 6+), when not in `url`.
     * @default none (the default user)
     */
    username: z.string().optional(),
    /**
     * Password of the data nodes, when not in `url`; set it from a secret, e.g. `${env.REDIS_PASSWORD}`.
     * @default none
     */
    password: z.string().optional(),
    /**
     * Speak TLS to the data nodes (for `sentinel` and `cluster`; a `rediss://` URL turns it on for `url`).
     * @default none (plain TCP)
     */
    tls: redisTlsSchema.optional(),
  })
  .strict();

/** A Redis connection as gateway.yaml gives it (validated, defaulted and frozen). */
export type RedisConnection = DeepReadonly<z.output<typeof redisConnectionSchema>>;

/**
 * The check every section applies to its connection: exactly one of `url`, `sentinel`, `cluster`.
 *
 * @example
 * redis: redisConnectionSchema.superRefine(oneRedisMode).optional()
 */
export function oneRedisMode(value: z.output<typeof redisConnectionSchema>, context: z.RefinementCtx): void {
  const modes = (['url', 'sentinel', 'cluster'] as const).filter((mode) => value[mode] !== undefined);
  if (modes.length !== 1) {
    context.addIssue({
      code: 'custom',
      message: modes.length === 0 ? 'expected one of url, sentinel, cluster' : `expected only one of url, sentinel, cluster (got ${modes.join(', ')})`,
    });
  }
}

/**
 * The connection a section asks for: its `redis` block, or else its older one-URL shorthand
 * (`quotaStore.url`, `responseCache.redisUrl`, `persistedDocuments.apq.redisUrl`).
 *
 * @example
 * createStoreRedis(redisConnectionOf(config.redis, config.redisUrl), logger, 'apq');
 */
export function redisConnectionOf(redis: RedisConnection | undefined, url: string | undefined): RedisConnection {
  if (redis !== undefined) return redis;
  if (url === undefined) throw new Error('a redis store needs a connection (redis or a URL)');
  return { url };
}
