import { z } from 'zod';
import { duration, flag, httpUrl, integer } from '../config/units.js';

// The `log`, `metrics` and `tracing` sections of gateway.yaml, one part of the schema gateway/config/schema.ts
// assembles. docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field
// carries one, with its default.

/** Names whose values never reach a log line (compared case-insensitively): headers, variables, keys. */
const DEFAULT_REDACT = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
];

const accessLogSchema = z
  .object({
    /**
     * Write one JSON line per request at level `info` (so `log.level` must be `info` or lower): request
     * id, client id, operation name and hash, HTTP status, GraphQL error codes, latency, cost when known,
     * and the subgraphs called with their latencies. Probes (`/health`, `/ready`) are not logged.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Request headers copied into each access-log line (lower-case names), for example `user-agent`.
     * Values of headers named in `log.redact` are written as `"[redacted]"`.
     * @default []
     */
    headers: z.array(z.string().min(1).transform((name) => name.toLowerCase())).default([]),
    /**
     * Copy the operation's variables into each access-log line. Values whose names are in `log.redact`
     * (at any depth) are written as `"[redacted]"`. Off by default: variables often carry personal data.
     * @default false
     */
    variables: flag().default(false),
  })
  .strict();

/** The `metrics` section: Prometheus metrics (gateway/observability/metrics-endpoint.ts). */
export const metricsSchema = z
  .object({
    /**
     * Serve Prometheus metrics (request, subgraph, plan cache, quota, breaker, cache, reload and process
     * metrics; see docs/observability.md).
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Path the metrics are served at.
     * @default "/metrics"
     */
    path: z
      .string({ error: 'expected a path starting with "/"' })
      .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
      .default('/metrics'),
    /**
     * Serve the metrics on their own port (on `server.host`) instead of the gateway's, so they need not be
     * reachable by clients. `0` picks a free port. Unset: the gateway's port.
     * @default unset (the gateway's port)
     */
    port: integer(0, 65_535).optional(),
    /**
     * Most distinct operation names used as the `operation` label; names seen after that are counted as
     * `__other__`, so clients cannot grow the number of time series without bound.
     * @default 100
     */
    maxOperationNames: integer(1, 10_000).default(100),
  })
  .strict();

/** The `tracing` section: OpenTelemetry spans exported over OTLP/HTTP (gateway/observability/tracing.ts). */
export const tracingSchema = z
  .object({
    /**
     * Record OpenTelemetry spans (request, parse, validate, authorize, plan, each subgraph fetch, shape)
     * and export them with OTLP over HTTP (JSON). The W3C `traceparent` of a client is continued and sent on
     * to subgraphs.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * OTLP/HTTP traces endpoint of the collector (the full URL, including `/v1/traces`).
     * @default "http://localhost:4318/v1/traces"
     */
    endpoint: httpUrl().default('http://localhost:4318/v1/traces'),
    /**
     * Extra headers sent with every export (for example a collector's API key, `${env.OTLP_TOKEN}`).
     * @default {}
     */
    headers: z.record(z.string(), z.string()).default({}),
    /**
     * Share of new traces recorded, from 0 to 1. A request that arrives with a `traceparent` follows its
     * caller's sampling decision instead (parent-based sampling).
     * @default 1
     */
    sampleRatio: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).default(1),
    /**
     * `service.name` of the exported spans.
     * @default "atrium"
     */
    serviceName: z.string().min(1).default('atrium'),
    /**
     * How long finished spans are batched before they are exported.
     * @default "5s"
     */
    exportDelay: duration().default(5_000),
  })
  .strict();

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The `log` section: level and format of the JSON log lines, the access log, and what is redacted. */
export const logSchema = z
  .object({
    /**
     * Lowest level of the JSON log lines written to stdout; `silent` writes none.
     * @default "info"
     */
    level: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /**
     * `json` writes one JSON object per line; `pretty` writes readable colored lines (pino-pretty); `auto`
     * is `pretty` when stdout is a terminal and `json` otherwise.
     * @default "auto"
     */
    format: z.enum(['auto', 'json', 'pretty'], { error: 'expected one of auto, json, pretty' }).default('auto'),
    /**
     * One line per request; see the fields below.
     * @default {}
     */
    accessLog: accessLogSchema.prefault({}),
    /**
     * Names whose values are replaced by `"[redacted]"` wherever Atrium logs them: request headers,
     * operation variables (at any depth) and `headers` objects in other log lines. Compared
     * case-insensitively. Setting this list replaces the default one.
     * @default ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "apiKey", "api_key", "password", "secret", "token", "accessToken", "refreshToken"]
     */
    redact: z.array(z.string().min(1)).default(DEFAULT_REDACT),
  })
  .strict();
