import { z } from 'zod';
import { byteSize, flag, headerName, integer } from '../config/units.js';

// The `engine` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** The `engine` section: which query planner and plan executor run, and how many plans are cached. */
export const engineSchema = z
  .object({
    /**
     * Which plan executor runs query plans: `atrium` (Atrium's own) or `apollo` (the `@apollo/gateway`
     * executor, kept for comparison and differential testing).
     * @default "atrium"
     */
    executor: z.enum(['atrium', 'apollo'], { error: 'expected one of atrium, apollo' }).default('atrium'),
    /**
     * Which query planner plans operations: `hive` (Hive Router's native planner,
     * `@graphql-hive/router-query-planner`, MIT), which sends the entity fetches of one subgraph at the same
     * depth as one batched request (7 subgraph requests instead of 16 for the benchmark query); `apollo`
     * (`@apollo/query-planner`); or `auto`, which plans with `hive` wherever it can and with `apollo`
     * otherwise: with `executor: apollo`, on a platform without the native binary (it exists for glibc
     * Linux and macOS, x64 and arm64), or for a supergraph the Hive planner cannot load or whose
     * progressive `@override` uses custom labels (the reason is logged at startup); `percent(N)` labels
     * are planned by `hive`, with one roll per request. An explicit `hive` refuses to
     * start in those cases instead. Whichever plans, an operation the Hive planner cannot plan is planned
     * by the apollo planner (logged as a warning), so answers never depend on the choice.
     * @default "auto"
     */
    planner: z.enum(['auto', 'apollo', 'hive'], { error: 'expected one of auto, apollo, hive' }).default('auto'),
    /**
     * How many query plans are kept, keyed by operation; least recently used plans are dropped first.
     * `0` disables the cache.
     * @default 1000
     */
    planCacheSize: integer(0, 10_000_000).default(1000),
    /**
     * Most memory the plan cache may hold, estimated per plan from its serialized size; least recently
     * used plans are dropped first, and a plan larger than this alone is not cached (it is planned each
     * time). Bounds memory when operations are large: the entry count alone does not. A number of bytes or
     * a size string such as `"64mb"`.
     * @default "64mb"
     */
    planCacheMaxBytes: byteSize().default(64 * 1024 * 1024),
    /**
     * Largest operation, in field selections (fragment spreads expanded), that Apollo's planner may plan
     * in place of Hive's for one operation (a capability the Hive path lacks: `@fromContext` arguments, a
     * Hive planner failure). Apollo's planner is several times slower, so a larger operation of that kind
     * is refused with `QUERY_PLANNING_FAILED` instead of blocking the event loop for every other client
     * (about 40 ms at 100 selections on one core). `0` removes the bound. A supergraph planned by Apollo's
     * planner as a whole (`planner: apollo`, or `auto` where Hive cannot run) is not bounded by this.
     * @default 100
     */
    fallbackMaxSelections: integer(0, 100_000_000).default(100),
    /**
     * Most operations executing at once in one gateway process; more wait in arrival order for a slot
     * (a waiting request whose client leaves is dropped). On a CPU-bound gateway, fewer operations in
     * flight finish sooner and hold less memory than all of them interleaved. `0` admits everything.
     * @default 0
     */
    maxConcurrentOperations: integer(0, 100_000).default(0),
    /**
     * Inbound deduplication: identical queries in flight at the same time share one execution — one set of
     * subgraph fetches, one merge, one shaping — and each client gets the result. Authentication,
     * authorization, cost, quotas and every response hook still run per request. Mutations, subscriptions
     * and `@defer` answers are never shared. Identical: same plan (the document after authorization), same
     * variables, same principal, same values of the `headers` below. Worth turning on where many clients send the
     * same queries at once (a landing page, a dashboard); with distinct queries it only adds a key per query.
     */
    dedupe: z
      .object({
        /**
         * Turn inbound deduplication on.
         * @default false
         */
        enabled: flag().default(false),
        /**
         * Which client request headers must also be equal. Absent: every header except `x-request-id`,
         * `traceparent`, `tracestate` and connection framing; `[]`: none; a list: only those names. The
         * shared execution forwards the headers of the request that started it, so a list must name every
         * header your header rules forward to subgraphs. The principal is always compared.
         * @default every header
         */
        headers: z.array(headerName()).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((engine) => engine.planner !== 'hive' || engine.executor === 'atrium', {
    error: 'planner "hive" needs executor "atrium" (the apollo executor does not run batched entity fetches)',
    path: ['planner'],
  });

const subgraphErrorPolicySchema = z
  .object({
    /**
     * Extension keys of a subgraph's GraphQL errors forwarded to clients besides `code` (always forwarded)
     * and the gateway's own `serviceName`. Every other key — `stacktrace`, `exception`, whatever a subgraph
     * puts there — is dropped.
     * @default []
     */
    allowExtensions: z.array(z.string().min(1)).optional(),
    /**
     * Replace the subgraph's error messages with `error from subgraph "<name>"` (Apollo Router's default
     * redacts them). The path, `code` and `serviceName` stay.
     * @default false
     */
    redactMessage: flag().optional(),
  })
  .strict();

/**
 * The `subgraphErrors` section: what of subgraphs' GraphQL errors the executor forwards to clients
 * (gateway/engine/subgraph-errors.ts), `{ all, subgraphs: { <name>: … } }`.
 */
export const subgraphErrorsSchema = z
  .object({
    /**
     * The policy for every subgraph.
     * @default { allowExtensions: [], redactMessage: false }
     */
    all: subgraphErrorPolicySchema.prefault({}),
    /**
     * Per-subgraph policies by subgraph name; each key set here overrides `all`.
     * @default {}
     */
    subgraphs: z.record(z.string(), subgraphErrorPolicySchema).default({}),
  })
  .strict();
