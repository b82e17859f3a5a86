import { z } from 'zod';
import { duration, integer } from '../config/units.js';
import { oneRedisMode, redisConnectionSchema } from '../stores/redis-config.js';

// The `admin` and `registry` sections of gateway.yaml, one part of the schema gateway/config/schema.ts
// assembles. docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field
// carries one, with its default.

/** The `admin` section: the admin API `atrium publish` talks to (gateway/publishing/admin-server.ts). */
export const adminSchema = z
  .object({
    /**
     * Interface the admin API listens on. It has its own listener so that it can stay on a private
     * network; the default is loopback only.
     * @default "127.0.0.1"
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1).default('127.0.0.1'),
    /**
     * TCP port of the admin API; `0` picks a free port (tests).
     * @default 4100
     */
    port: integer(0, 65_535).default(4100),
    /**
     * Bearer token every admin request must carry (`authorization: Bearer <token>`); without it the API
     * answers 401. It is the publishing credential, never accepted on the GraphQL endpoint: set it from a
     * secret, e.g. `${env.ATRIUM_ADMIN_TOKEN}`. At least 16 characters.
     * @default none (required)
     */
    token: z.string({ error: 'expected a token of at least 16 characters' }).min(16, { error: 'expected a token of at least 16 characters' }),
  })
  .strict();

// The shared connection block, plus the registry's own key prefix.
const registryRedisSchema = redisConnectionSchema.extend({
  /**
   * Prefix of every key and channel the registry uses, so several graphs can share one Redis. On a Redis
   * Cluster it is wrapped in a hash tag (`{atrium:registry:}revision`) unless it has one: a publish is one
   * Lua script over the revision, the live versions and the history.
   * @default "atrium:registry:"
   */
  keyPrefix: z.string().min(1).default('atrium:registry:'),
});

/** The `registry` section: where published subgraph schemas and their history are stored. */
export const registrySchema = z
  .object({
    /**
     * Directory of the default store: one JSON file with every published version, replaced atomically
     * (written to a temporary file, then renamed) under a lock file. Relative to gateway.yaml's directory.
     * Used when `redis` is not set.
     * @default "./.atrium/registry"
     */
    directory: z.string().min(1).default('./.atrium/registry'),
    /**
     * Keep the registry in Redis instead, shared by a fleet of gateways: a publish on any replica is
     * announced over Redis pub/sub and every replica hot-swaps to it.
     * @default none (directory store)
     */
    redis: registryRedisSchema.superRefine(oneRedisMode).optional(),
    /**
     * How often a replica also checks the store's revision, in case a pub/sub message was missed (Redis
     * restarted, connection lost) or another process wrote the directory store. `0` turns polling off.
     * @default "5s"
     */
    pollInterval: duration().default(5_000),
  })
  .strict();
