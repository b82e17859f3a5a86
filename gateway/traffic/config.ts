import { z } from 'zod';
import { byteSize, duration, flag, headerName, httpUrl, integer } from '../config/units.js';
import { headerRulesSchema } from './header-rules-config.js';

// The `traffic` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

// The nested traffic policies (balancing, retry, breaker, health checks, shadow, headers) are shared by
// `traffic.all` and `traffic.subgraphs.<name>`, so their fields carry no zod default: a subgraph's field
// overrides the same field of `all`, and what neither sets takes TRAFFIC_DEFAULTS (traffic-settings.ts).

/** 16 MiB: see `traffic.all.maxResponseSize`. */
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const retryPolicySchema = z
  .object({
    /**
     * Extra attempts after the first for a query that failed with a transport error (connection refused or
     * reset, timeout, HTTP 502/503/504, a body that is not a GraphQL response). Mutations are never retried.
     * `0` turns retries off.
     * @default 0
     */
    attempts: integer(0, 10).optional(),
    /**
     * Backoff before the first retry; each further retry doubles it, up to `maxBackoff`. The actual wait is
     * a random duration between 0 and that value ("full jitter"), so retries of many requests spread out.
     * @default "50ms"
     */
    backoff: duration().optional(),
    /**
     * Longest backoff before one retry.
     * @default "1s"
     */
    maxBackoff: duration().optional(),
    /**
     * Retry budget: retries may add at most this share of the subgraph's requests over the last 10 seconds
     * (`0.1` = 10%), so a failing subgraph is not hit with a multiple of its normal load. A retry over
     * budget is not made; the first error is returned.
     * @default 0.1
     */
    budget: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
    /**
     * Retries per second always allowed besides the budget, so a subgraph with little traffic can still be
     * retried.
     * @default 1
     */
    minPerSecond: integer(0, 10_000).optional(),
  })
  .strict();

const breakerPolicySchema = z
  .object({
    /**
     * Turn the per-instance circuit breaker on. Closed: requests flow and consecutive failures are counted.
     * Open (after `failures` consecutive failures): requests to the instance fail at once with
     * SUBGRAPH_UNAVAILABLE, without a connection. Half-open (after `openFor`): `halfOpenRequests` trial
     * requests go through; a success closes the breaker, a failure opens it again.
     * @default false
     */
    enabled: flag().optional(),
    /**
     * Consecutive failures (same kinds as retries count) that open the breaker.
     * @default 5
     */
    failures: integer(1, 10_000).optional(),
    /**
     * How long an open breaker fails fast before it lets trial requests through (half-open).
     * @default "10s"
     */
    openFor: duration().optional(),
    /**
     * Trial requests in flight at once while half-open.
     * @default 1
     */
    halfOpenRequests: integer(1, 1_000).optional(),
  })
  .strict();

const healthCheckPolicySchema = z
  .object({
    /**
     * How often each instance of the subgraph is probed; `0` turns active health checks off. A probe POSTs
     * `query` and passes on HTTP 200 with a GraphQL response that has no errors. An instance that fails
     * `unhealthyAfter` probes in a row leaves the rotation; one that passes `healthyAfter` in a row returns.
     * Applies to subgraphs whose URLs gateway.yaml gives (`url`, `urls` or `versions`).
     * @default 0
     */
    interval: duration().optional(),
    /**
     * How long one probe may take.
     * @default "2s"
     */
    timeout: duration().optional(),
    /**
     * The GraphQL query a probe sends.
     * @default "query HealthCheck { __typename }"
     */
    query: z.string({ error: 'expected a GraphQL query' }).min(1).optional(),
    /**
     * Failed probes in a row that take an instance out of the rotation.
     * @default 2
     */
    unhealthyAfter: integer(1, 100).optional(),
    /**
     * Passed probes in a row that put an instance back.
     * @default 1
     */
    healthyAfter: integer(1, 100).optional(),
  })
  .strict();

const shadowPolicySchema = z
  .object({
    /**
     * Where mirrored queries go (for example a new version under test). Unset: no shadow traffic.
     * @default none
     */
    url: httpUrl().optional(),
    /**
     * Share of the subgraph's queries mirrored, from `0` to `1` (`0.05` = every 20th query). Mutations are
     * never mirrored. The client's answer never waits for the shadow; the shadow's answer is compared with
     * the real one and differences are counted and logged (`traffic: shadow answer differs`).
     * @default 0
     */
    share: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
    /**
     * How long a shadow request may take; it is then abandoned (counted as failed).
     * @default "5s"
     */
    timeout: duration().optional(),
  })
  .strict();

const versionSchema = z
  .object({
    /**
     * Share of the subgraph's requests this version gets, relative to the other versions' weights
     * (95 and 5 send 95% and 5%). `0` takes the version out of the split; header routing can still select it.
     * @default 1
     */
    weight: integer(0, 1_000_000).optional(),
    /**
     * The version's instances, balanced by `balance`. Required.
     * @default none
     */
    urls: z.array(httpUrl()).min(1, { error: 'expected at least one URL' }),
  })
  .strict();

const headerRoutingSchema = z
  .object({
    /**
     * Request header whose value selects a version (for A/B tests), for example `x-variant`. Required.
     * @default none
     */
    header: headerName(),
    /**
     * Header value → version name. Requests without the header, or with another value, follow the weights.
     * Required.
     * @default none
     */
    values: z.record(z.string(), z.string()),
  })
  .strict();

const allSubgraphsTrafficSchema = z
  .object({
    /**
     * How long the gateway waits for one subgraph request before failing it with SUBGRAPH_TIMEOUT.
     * A number of milliseconds or a duration string such as `"500ms"`, `"30s"`, `"2m"`. Each retry
     * attempt gets its own timeout; `traffic.requestTimeout` bounds them all.
     * @default "30s"
     */
    timeout: duration().default(30_000),
    /**
     * Share one subgraph request among identical queries in flight at the same time (same subgraph URL,
     * body and forwarded headers): the first sends it, the others wait for its answer. Mutations are never
     * shared. Waiters share one parse of the answer, which nothing writes into (a plugin hook that may
     * gets a copy of its own), and each keeps its own timeout.
     * @default true
     */
    dedupe: flag().default(true),
    /**
     * Largest response body accepted from a subgraph. The body is counted as it streams in: past the limit
     * (or at once, when its `content-length` says so) the fetch is aborted and fails with
     * SUBGRAPH_RESPONSE_TOO_LARGE on that fetch's paths; the rest of the operation is answered as usual.
     * Such a failure is not retried and does not count against the circuit breaker. A number of bytes or a
     * size string such as `"512kb"`, `"32mb"` (binary units). The default leaves room for large paginated
     * answers while bounding what one fetch can hold in memory: the text, its parsed copy and the merged
     * result are each about that size again.
     * @default "16mb"
     */
    maxResponseSize: byteSize().default(DEFAULT_MAX_RESPONSE_BYTES),
    /**
     * Share one upstream subscription among identical client subscriptions (same subgraph, operation text,
     * variables and forwarded headers other than `x-request-id` and trace context): the subgraph sees one
     * subscription, every event is fanned out, and each client's copy is completed and authorized on its
     * own. The upstream subscription closes when the last client leaves. See docs/subscriptions.md.
     * @default true
     */
    dedupeSubscriptions: flag().default(true),
    /**
     * How a request picks one of several instances: `round-robin` takes them in turn,
     * `least-outstanding` the one with the fewest requests in flight (ties in turn).
     * @default "round-robin"
     */
    balance: z.enum(['round-robin', 'least-outstanding'], { error: 'expected round-robin or least-outstanding' }).optional(),
    /** Retries of failed queries, with jittered exponential backoff and a retry budget. */
    retry: retryPolicySchema.optional(),
    /** The circuit breaker each instance has. */
    breaker: breakerPolicySchema.optional(),
    /** Active health checks of each instance. */
    healthCheck: healthCheckPolicySchema.optional(),
    /** Mirroring a share of queries to a shadow URL. */
    shadow: shadowPolicySchema.optional(),
    /** Header rules toward subgraphs and back to the client; a subgraph's rules apply after `all`'s. */
    headers: headerRulesSchema.optional(),
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
     * Largest response body accepted from this subgraph (see `traffic.all.maxResponseSize`).
     * @default traffic.all.maxResponseSize
     */
    maxResponseSize: byteSize().optional(),
    /**
     * Whether identical subscriptions to this subgraph share one upstream subscription (see
     * `traffic.all.dedupeSubscriptions`).
     * @default traffic.all.dedupeSubscriptions
     */
    dedupeSubscriptions: flag().optional(),
    /**
     * URL the gateway sends this subgraph's requests to, overriding the routing URL in the supergraph
     * (for example an internal address, or a value from `${env.PRODUCTS_URL}`).
     * @default the supergraph's routing URL
     */
    url: httpUrl().optional(),
    /**
     * WebSocket URL (`ws://` or `wss://`) the gateway opens this subgraph's subscriptions at, over
     * `graphql-transport-ws`. Subscriptions go to one URL: they are not balanced or mirrored, and are
     * reconnected only as `subscriptions.upstreamReconnect` says.
     * @default the subgraph's URL (`url`, else the routing URL) with http→ws and https→wss
     */
    subscriptionUrl: z
      .string({ error: 'expected a ws:// or wss:// URL' })
      .regex(/^wss?:\/\/\S+$/i, { error: 'expected a ws:// or wss:// URL' })
      .optional(),
    /**
     * Several instances of the subgraph, balanced by `balance` (instead of `url`).
     * @default the supergraph's routing URL
     */
    urls: z.array(httpUrl()).min(1, { error: 'expected at least one URL' }).optional(),
    /**
     * Named versions with weights, for canary and blue/green rollouts (instead of `url`/`urls`):
     * `{ stable: { weight: 95, urls: [...] }, canary: { weight: 5, urls: [...] } }`. Change the weights
     * and send SIGHUP to shift traffic without a restart.
     * @default {}
     */
    versions: z.record(z.string(), versionSchema).optional(),
    /** A/B routing: a request header's value picks the version. Needs `versions`. */
    routeByHeader: headerRoutingSchema.optional(),
    /**
     * Balancing among this subgraph's instances (see `traffic.all.balance`).
     * @default traffic.all.balance
     */
    balance: z.enum(['round-robin', 'least-outstanding'], { error: 'expected round-robin or least-outstanding' }).optional(),
    /** Retries for this subgraph; each field overrides `traffic.all.retry`'s. */
    retry: retryPolicySchema.optional(),
    /** The breaker of this subgraph's instances; each field overrides `traffic.all.breaker`'s. */
    breaker: breakerPolicySchema.optional(),
    /** Health checks of this subgraph's instances; each field overrides `traffic.all.healthCheck`'s. */
    healthCheck: healthCheckPolicySchema.optional(),
    /** Shadow traffic of this subgraph; each field overrides `traffic.all.shadow`'s. */
    shadow: shadowPolicySchema.optional(),
    /** Header rules for this subgraph, applied after `traffic.all.headers` (response rules: merged). */
    headers: headerRulesSchema.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const given = (['url', 'urls', 'versions'] as const).filter((key) => value[key] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give only one of url, urls, versions (also given: ${given[0]})` });
    }
    if (value.routeByHeader !== undefined) {
      const versions = value.versions ?? {};
      if (value.versions === undefined) {
        ctx.addIssue({ code: 'custom', path: ['routeByHeader'], message: 'routeByHeader needs versions' });
      }
      for (const [headerValue, version] of Object.entries(value.routeByHeader.values)) {
        if (value.versions !== undefined && !Object.hasOwn(versions, version)) {
          ctx.addIssue({ code: 'custom', path: ['routeByHeader', 'values', headerValue], message: `unknown version "${version}"` });
        }
      }
    }
    if (value.versions !== undefined) {
      const total = Object.values(value.versions).reduce((sum, version) => sum + (version.weight ?? 1), 0);
      if (total === 0) ctx.addIssue({ code: 'custom', path: ['versions'], message: 'at least one version needs a weight above 0' });
    }
  });

/** The `traffic` section: requests to subgraphs, `{ all, subgraphs: { <name>: … } }`. */
export const trafficSchema = z
  .object({
    /**
     * Overall deadline of one client request, from its arrival to its answer. When it passes, fetches still
     * running are aborted and fail with GATEWAY_TIMEOUT (the data already fetched is returned; REST routes
     * answer 504). `0` turns it off.
     * @default 0
     */
    requestTimeout: duration().default(0),
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
