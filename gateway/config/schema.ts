import { z } from 'zod';
import { byteSize, duration, flag, httpUrl, integer } from './units.js';

// The schema of gateway.yaml. docs/config.md is generated from the TSDoc comments on the fields below (`npm run docs`), so
// every field carries one, with its default. Objects are strict: an unknown key is an error naming its path.

const serverSchema = z
  .object({
    /**
     * Interface the HTTP server listens on. `0.0.0.0` listens on all IPv4 interfaces, `::` on all
     * interfaces, `127.0.0.1` on loopback only.
     * @default "0.0.0.0"
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1).default('0.0.0.0'),
    /**
     * TCP port of the HTTP server; `0` picks a free port (tests).
     * @default 4000
     */
    port: integer(0, 65_535).default(4000),
    /**
     * Path at which GraphQL is served (POST and GET).
     * @default "/graphql"
     */
    graphqlPath: z
      .string({ error: 'expected a path starting with "/"' })
      .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
      .default('/graphql'),
    /**
     * Largest request body accepted; larger bodies get 413 PAYLOAD_TOO_LARGE. A number of bytes or a size
     * string such as `"512kb"`, `"1mb"` (binary units: 1mb = 1048576 bytes).
     * @default "1mb"
     */
    bodyLimit: byteSize().default(1024 * 1024),
    /**
     * On SIGTERM or SIGINT, how long the gateway waits for in-flight requests to finish before closing
     * their connections. A number of milliseconds or a duration string such as `"10s"`.
     * @default "10s"
     */
    shutdownGrace: duration().default(10_000),
  })
  .strict();

const graphqlSchema = z
  .object({
    /**
     * Whether clients may introspect the API schema (`__schema`, `__type`). Turn off in production if the
     * schema is not public.
     * @default true
     */
    introspection: flag().default(true),
    /**
     * Reject requests that a browser could send cross-site without a preflight (GET or simple POST
     * without a `content-type: application/json`, `apollo-require-preflight` or `x-apollo-operation-name`
     * header), as Apollo Server's CSRF prevention does.
     * @default true
     */
    csrfPrevention: flag().default(true),
    /**
     * Deepest selection nesting an operation may have; deeper operations fail validation. `0` turns the
     * limit off.
     * @default 100
     */
    maxDepth: integer(0, 10_000).default(100),
  })
  .strict();

const allSubgraphsTrafficSchema = z
  .object({
    /**
     * How long the gateway waits for one subgraph request before failing it with SUBGRAPH_TIMEOUT.
     * A number of milliseconds or a duration string such as `"500ms"`, `"30s"`, `"2m"`.
     * @default "30s"
     */
    timeout: duration().default(30_000),
    /**
     * Share one subgraph request among identical queries in flight at the same time (same subgraph URL,
     * body and forwarded headers): the first sends it, the others wait for its answer. Mutations are never
     * shared. Each waiter still gets its own copy of the answer and its own timeout.
     * @default true
     */
    dedupe: flag().default(true),
  })
  .strict();

const subgraphTrafficSchema = z
  .object({
    /**
     * Timeout for this subgraph's requests, overriding `traffic.all.timeout`.
     * @default traffic.all.timeout
     */
    timeout: duration().optional(),
    /**
     * Whether identical in-flight queries to this subgraph share one request (see `traffic.all.dedupe`).
     * @default traffic.all.dedupe
     */
    dedupe: flag().optional(),
    /**
     * URL the gateway sends this subgraph's requests to, overriding the routing URL in the supergraph
     * (for example an internal address, or a value from `${env.PRODUCTS_URL}`).
     * @default the supergraph's routing URL
     */
    url: httpUrl().optional(),
  })
  .strict();

const trafficSchema = z
  .object({
    /**
     * Settings that apply to every subgraph unless `subgraphs.<name>` overrides them.
     * @default {}
     */
    all: allSubgraphsTrafficSchema.prefault({}),
    /**
     * Per-subgraph settings, keyed by subgraph name as the supergraph names it; each field overrides the
     * same field of `all`.
     * @default {}
     */
    subgraphs: z.record(z.string(), subgraphTrafficSchema).default({}),
  })
  .strict();

const engineSchema = z
  .object({
    /**
     * Which plan executor runs query plans: `atrium` (Atrium's own) or `apollo` (the `@apollo/gateway`
     * executor, kept for comparison and differential testing).
     * @default "atrium"
     */
    executor: z.enum(['atrium', 'apollo'], { error: 'expected one of atrium, apollo' }).default('atrium'),
    /**
     * How many query plans are kept, keyed by operation; least recently used plans are dropped first.
     * `0` disables the cache.
     * @default 1000
     */
    planCacheSize: integer(0, 10_000_000).default(1000),
    /**
     * Most operations executing at once in one gateway process; more wait in arrival order for a slot
     * (a waiting request whose client leaves is dropped). On a CPU-bound gateway, fewer operations in
     * flight finish sooner and hold less memory than all of them interleaved. `0` admits everything.
     * @default 0
     */
    maxConcurrentOperations: integer(0, 100_000).default(0),
  })
  .strict();

// ── section: auth — authentication and authorization (issue 4); schema consts for this feature go below this line ──

// ── section: cost — cost analysis and quotas (issue 5); schema consts for this feature go below this line ──

// ── section: rest — REST compatibility layer (issue 6); schema consts for this feature go below this line ──

// ── section: traffic — traffic, resilience, hot reload (issue 7); schema consts for this feature go below this line ──

// ── section: observability — observability (issue 8); schema consts for this feature go below this line ──

// ── section: edge — edge protection and caching (issue 9); schema consts for this feature go below this line ──

// ── section: publishing — schema publishing (issue 10); schema consts for this feature go below this line ──

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const logSchema = z
  .object({
    /**
     * Lowest level of the JSON log lines written to stdout; `silent` writes none.
     * @default "info"
     */
    level: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  })
  .strict();

/**
 * The schema of `gateway.yaml`. Parsing applies the defaults and normalises durations to milliseconds and
 * sizes to bytes. Use `parseConfig`/`loadConfig` rather than this schema directly: they expand
 * `${env.NAME}`, format the errors and freeze the result.
 */
export const gatewayConfigSchema = z
  .object({
    /** The HTTP server: where it listens and what it accepts. */
    server: serverSchema.prefault({}),
    /** GraphQL request handling: introspection, CSRF prevention, operation limits. */
    graphql: graphqlSchema.prefault({}),
    /** Requests to subgraphs: `{ all, subgraphs: { <name>: … } }`, the second overriding the first. */
    traffic: trafficSchema.prefault({}),
    /** The query planner and executor. */
    engine: engineSchema.prefault({}),
    /** Structured logging. */
    log: logSchema.prefault({}),

    // ── section keys: auth ──

    // ── section keys: cost ──

    // ── section keys: rest ──

    // ── section keys: traffic ──

    // ── section keys: observability ──

    // ── section keys: edge ──

    // ── section keys: publishing ──
  })
  .strict();

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A parsed gateway.yaml: every default applied, durations in ms, sizes in bytes; deeply frozen. */
export type GatewayConfig = DeepReadonly<z.output<typeof gatewayConfigSchema>>;

/** The traffic settings of one subgraph after merging `traffic.subgraphs.<name>` over `traffic.all`. */
export interface SubgraphSettings {
  readonly timeoutMs: number;
  /** Share identical in-flight query requests. */
  readonly dedupe: boolean;
  /** Set only when gateway.yaml overrides the supergraph's routing URL. */
  readonly url?: string;
}

/**
 * The traffic settings for one subgraph: `traffic.subgraphs.<name>` over `traffic.all`.
 *
 * @example
 * subgraphSettings(config, 'products'); // { timeoutMs: 5000, url: 'http://products.internal/graphql' }
 */
export function subgraphSettings(config: GatewayConfig, name: string): SubgraphSettings {
  const own = Object.hasOwn(config.traffic.subgraphs, name) ? config.traffic.subgraphs[name] : undefined;
  const timeoutMs = own?.timeout ?? config.traffic.all.timeout;
  const dedupe = own?.dedupe ?? config.traffic.all.dedupe;
  return own?.url === undefined ? { timeoutMs, dedupe } : { timeoutMs, dedupe, url: own.url };
}
