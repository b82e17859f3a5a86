import { z } from 'zod';
import { engineSchema, subgraphErrorsSchema } from '../engine/config.js';
import { corsSchema, securitySchema } from '../edge/config.js';
import { logSchema, metricsSchema, tracingSchema } from '../observability/config.js';
import { authSchema } from '../plugins/auth/config.js';
import { authorizationSchema } from '../plugins/authorization/config.js';
import { costSchema } from '../plugins/cost/config.js';
import { limitsSchema } from '../plugins/limits/config.js';
import { persistedDocumentsSchema } from '../plugins/persisted-documents/config.js';
import { rateLimitSchema } from '../plugins/rate-limit/config.js';
import { responseCacheSchema } from '../plugins/response-cache/config.js';
import { adminSchema, registrySchema } from '../publishing/config.js';
import { clientsSchema, quotaStoreSchema } from '../quota/config.js';
import { restSchema } from '../rest/config.js';
import { graphqlSchema, serverSchema } from '../server/config.js';
import { subscriptionsSchema } from '../server/subscriptions/config.js';
import { reloadSchema } from '../supergraph/config.js';
import { trafficSchema } from '../traffic/config.js';

export { REST_METHODS } from '../rest/config.js';
export { type SubgraphSettings, subgraphSettings } from '../traffic/subgraph-settings.js';

// The schema of gateway.yaml, assembled from the section schemas each feature keeps beside its code (its
// config.ts). docs/config.md is generated from the TSDoc comments on the fields below and, through the imports
// above, on every section's fields (`npm run docs`), so every field carries one, with its default. Objects
// are strict: an unknown key is an error naming its path.

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
    /** GraphQL subscriptions over WebSocket and SSE: limits, keep-alive, the slow-client bound. */
    subscriptions: subscriptionsSchema.prefault({}),
    /** Requests to subgraphs: `{ all, subgraphs: { <name>: … } }`, the second overriding the first. */
    traffic: trafficSchema.prefault({}),
    /** The query planner and executor. */
    engine: engineSchema.prefault({}),
    /** Structured logging. */
    log: logSchema.prefault({}),
    /** Authorization from `@authenticated`, `@requiresScopes` and `@policy` in the supergraph. */
    authorization: authorizationSchema.prefault({}),
    /** Authentication: JWTs (JWKS URL or file, shared secret), API keys, and identity headers to subgraphs. */
    auth: authSchema.prefault({}),
    /** Cost analysis from `@cost`/`@listSize` and cost-based quotas per client. Absent: off. */
    cost: costSchema.optional(),
    /**
     * Per-client call limits: `@rateLimit` fields, request counts for anonymous traffic, and failed
     * authentications per address. Absent: only `failedAuth` applies, with its defaults.
     */
    rateLimit: rateLimitSchema.optional(),
    /** How a client is identified for quotas and rate limits. */
    clients: clientsSchema.prefault({}),
    /** Where quota and rate-limit buckets are kept. */
    quotaStore: quotaStoreSchema.prefault({}),
    /** The REST compatibility layer: REST routes translated into GraphQL operations, and their OpenAPI document. */
    rest: restSchema.prefault({}),
    /** Prometheus metrics at `GET /metrics` (off by default). */
    metrics: metricsSchema.prefault({}),
    /** OpenTelemetry tracing with OTLP/HTTP export (off by default). */
    tracing: tracingSchema.prefault({}),
    /** Operation limits: depth, aliases, root fields, tokens, directives, batch size; enforce or measure. */
    limits: limitsSchema.prefault({}),
    /** Trusted documents (a manifest, optionally the only operations allowed) and automatic persisted queries. */
    persistedDocuments: persistedDocumentsSchema.prefault({}),
    /** Response cache for queries. */
    responseCache: responseCacheSchema.prefault({}),
    /** Cross-origin requests from browsers. */
    cors: corsSchema.prefault({}),
    /** Security response headers and who may introspect. */
    security: securitySchema.prefault({}),
    /**
     * What of subgraphs' GraphQL errors reaches clients: by default the message, the path,
     * `extensions.code` and the gateway's `serviceName`, every other extension dropped.
     */
    subgraphErrors: subgraphErrorsSchema.prefault({}),
    /** Hot reload of the supergraph when its files or introspected subgraphs change. */
    reload: reloadSchema.prefault({}),
    /**
     * The admin API for schema publishing (`atrium publish`): publish, list, history, rollback. Off unless
     * this section is present.
     * @default off
     */
    admin: adminSchema.optional(),
    /**
     * Where published subgraph schemas and their history are stored. Published subgraphs replace (or join)
     * the subgraphs of supergraph.yaml. Off unless this section is present; `registry: {}` uses the
     * directory store.
     * @default off
     */
    registry: registrySchema.optional(),
  })
  .strict();

/** `T` with every property and array readonly, all the way down: the type of frozen config. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A parsed gateway.yaml: every default applied, durations in ms, sizes in bytes; deeply frozen. */
export type GatewayConfig = DeepReadonly<z.output<typeof gatewayConfigSchema>>;
