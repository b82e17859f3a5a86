import { z } from 'zod';
import { byteSize, duration, flag } from '../../config/units.js';
import { oneRedisMode, redisConnectionSchema } from '../../stores/redis-config.js';

// The `responseCache` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** The `responseCache` section: caching whole query responses, and the purge endpoint. */
export const responseCacheSchema = z
  .object({
    /**
     * Cache whole query responses. Only error-free query results are stored; mutations are never cached.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Lifetime for a fetch whose subgraph sent no `Cache-Control: max-age` when no `ttl` entry below covers
     * the operation. `0` means such responses are not cached. An entry lives as long as the smallest
     * lifetime of everything it was built from.
     * @default 0
     */
    defaultTtl: duration().default(0),
    /**
     * Lifetimes by type (`Product: 60s`) or field (`Query.topProducts: 30s`); each one used by an operation
     * caps the entry's lifetime, and they stand in for subgraphs that send no max-age. A subgraph's
     * `no-store` still disables caching and `private` still keys the entry by principal.
     * @default {}
     */
    ttl: z.record(z.string(), duration()).default({}),
    /**
     * `memory` (this process, bounded by `maxBytes`, least recently used dropped first) or `redis` (shared by
     * every replica; needs `redisUrl` or `redis`).
     * @default "memory"
     */
    store: z.enum(['memory', 'redis'], { error: 'expected one of memory, redis' }).default('memory'),
    /**
     * Redis server of the `redis` store, e.g. `redis://cache.internal:6379` or `${env.REDIS_URL}`: the short
     * form of `redis: { url }`.
     * @default none
     */
    redisUrl: z.string().optional(),
    /**
     * The Redis of the `redis` store when it is more than one URL: a Sentinel-managed master or a Redis
     * Cluster, with credentials and TLS. On a cluster every entry and tag set carries the hash tag
     * `{atrium:rc:}` (a purge is one atomic script over both), so the cache lives on one shard.
     * @default none (redisUrl)
     */
    redis: redisConnectionSchema.superRefine(oneRedisMode).optional(),
    /**
     * Bytes of responses the `memory` store keeps at most.
     * @default "64mb"
     */
    maxBytes: byteSize().default(64 * 1024 * 1024),
    /**
     * Path of the admin purge endpoint (`POST` with `{"type": "Product"}`, `{"type": "Product", "key":
     * {"upc": "1"}}` or `{"all": true}`). Served only when `purgeToken` is set.
     * @default "/admin/cache/purge"
     */
    purgePath: z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/"' }).default('/admin/cache/purge'),
    /**
     * Bearer token the purge endpoint requires (`authorization: Bearer <token>`); use `${env.NAME}`.
     * @default none (no purge endpoint)
     */
    purgeToken: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
  })
  .strict()
  .refine((value) => !(value.store === 'redis' && value.redisUrl === undefined && value.redis === undefined), {
    error: 'store: redis needs redisUrl or redis',
  })
  .refine((value) => !(value.redisUrl !== undefined && value.redis !== undefined), {
    error: 'set redisUrl or redis, not both',
  });
