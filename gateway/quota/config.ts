import { z } from 'zod';
import { duration } from '../config/units.js';
import { oneRedisMode, redisConnectionSchema } from '../stores/redis-config.js';

// The `clients` and `quotaStore` sections of gateway.yaml, one part of the schema gateway/config/schema.ts
// assembles. docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field
// carries one, with its default.

const TRUSTED_PROXY_MESSAGE = 'expected an IP address or a CIDR range such as "10.0.0.0/8"';

/** The `clients` section: how a client is identified for quotas and rate limits (gateway/quota/client-identity.ts). */
export const clientsSchema = z
  .object({
    /**
     * JWT claim that names the client; then `azp`, then `sub` are tried. Requests without a principal are
     * keyed by their IP address.
     * @default "client_id"
     */
    idClaim: z.string().min(1).default('client_id'),
    /**
     * Claim whose value picks a bucket from `cost.budget.tiers` (for example `plan`).
     * @default "plan"
     */
    tierClaim: z.string().min(1).default('plan'),
    /**
     * Proxies whose `X-Forwarded-For` is believed: IP addresses or CIDR ranges. The client IP is the
     * rightmost address in the header that is not a trusted proxy. From any other peer the header is ignored.
     * @default []
     */
    trustedProxies: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, { error: TRUSTED_PROXY_MESSAGE }), { error: TRUSTED_PROXY_MESSAGE })
      .default([]),
  })
  .strict();

const STORE_KINDS = ['memory', 'redis'] as const;

/** The `quotaStore` section: where quota and rate-limit buckets are kept (gateway/quota/create-quota-store.ts). */
export const quotaStoreSchema = z
  .object({
    /**
     * Where buckets live: `memory` (one process) or `redis` (shared by every replica; atomic Lua scripts
     * on Redis time).
     * @default "memory"
     */
    kind: z.enum(STORE_KINDS, { error: `expected one of ${STORE_KINDS.join(', ')}` }).default('memory'),
    /**
     * Redis URL for `kind: redis`, e.g. `redis://redis.internal:6379/0` or `${env.REDIS_URL}`: the short
     * form of `redis: { url }`, used when `redis` is not set.
     * @default "redis://127.0.0.1:6379"
     */
    url: z.string().regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
    /**
     * The Redis of `kind: redis` when it is more than one URL: a Sentinel-managed master or a Redis
     * Cluster, with credentials and TLS. Takes the place of `url`. Each bucket is one key, so buckets spread
     * over every shard of a cluster.
     * @default none (url)
     */
    redis: redisConnectionSchema.superRefine(oneRedisMode).optional(),
    /**
     * Prefix of every Redis key Atrium writes.
     * @default "atrium:quota:"
     */
    keyPrefix: z.string().default('atrium:quota:'),
    /**
     * What happens when the store fails (Redis unreachable or slow): `allow` lets the request through,
     * `deny` answers 503 QUOTA_STORE_UNAVAILABLE. Either way the failure is logged and counted.
     * @default "allow"
     */
    onStoreError: z.enum(['allow', 'deny'], { error: 'expected one of allow, deny' }).default('allow'),
    /**
     * Longest wait for one store command before it counts as a store error.
     * @default "250ms"
     */
    timeout: duration().default(250),
  })
  .strict();
