import { z } from 'zod';
import { byteSize, duration, flag } from '../../config/units.js';
import { oneRedisMode, redisConnectionSchema } from '../../stores/redis-config.js';

// The `persistedDocuments` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

const apqSchema = z
  .object({
    /**
     * Automatic persisted queries (Apollo's protocol): a client sends `extensions.persistedQuery.sha256Hash`
     * alone, gets PERSISTED_QUERY_NOT_FOUND the first time, then sends the query with the hash once, and
     * the gateway remembers it. Off answers PERSISTED_QUERY_NOT_SUPPORTED to hash-only requests.
     * @default true
     */
    enabled: flag().default(true),
    /**
     * Where registered queries are kept: `memory` (this process, least recently used dropped past
     * `maxBytes`) or `redis` (shared by every replica; needs `redisUrl` or `redis`).
     * @default "memory"
     */
    store: z.enum(['memory', 'redis'], { error: 'expected one of memory, redis' }).default('memory'),
    /**
     * Redis server of the `redis` store, e.g. `redis://cache.internal:6379` or `${env.REDIS_URL}`.
     * @default none
     */
    redisUrl: z.string().optional(),
    /**
     * The Redis of the `redis` store when it is more than one URL: a Sentinel-managed master or a Redis
     * Cluster, with credentials and TLS. Each registration is one key, so they spread over a cluster's shards.
     * @default none (redisUrl)
     */
    redis: redisConnectionSchema.superRefine(oneRedisMode).optional(),
    /**
     * How long a registered query is kept; `0` keeps it until it is evicted.
     * @default "24h"
     */
    ttl: duration().default(24 * 3_600_000),
    /**
     * Bytes of query text the `memory` store keeps at most.
     * @default "16mb"
     */
    maxBytes: byteSize().default(16 * 1024 * 1024),
  })
  .strict();

/** The `persistedDocuments` section: trusted documents and automatic persisted queries. */
export const persistedDocumentsSchema = z
  .object({
    /**
     * A trusted-documents manifest, relative to the directory of gateway.yaml: Apollo's persisted query
     * manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`) or a
     * plain JSON object of id -> document. Clients send the id as `extensions.persistedQuery.sha256Hash`.
     * Read at startup and again by a reload; a manifest that cannot be read stops startup.
     * @default none
     */
    manifest: z.string().min(1).optional(),
    /**
     * Refuse every operation that is not in the manifest with PERSISTED_QUERY_NOT_IN_LIST (a full query
     * whose text is in the manifest is accepted). APQ registration is refused too. Operations of REST
     * routes count as trusted.
     * @default false
     */
    onlyTrusted: flag().default(false),
    /**
     * Automatic persisted queries.
     * @default {}
     */
    apq: apqSchema.prefault({}),
  })
  .strict()
  .refine((value) => !(value.onlyTrusted && value.manifest === undefined), {
    error: 'onlyTrusted needs a manifest (persistedDocuments.manifest)',
  })
  .refine((value) => !(value.apq.store === 'redis' && value.apq.redisUrl === undefined && value.apq.redis === undefined), {
    error: 'apq.store: redis needs apq.redisUrl or apq.redis',
  })
  .refine((value) => !(value.apq.redisUrl !== undefined && value.apq.redis !== undefined), {
    error: 'apq: set redisUrl or redis, not both',
  });
