import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.js';

/**
 * The gateway's Prometheus metrics, and the one way features record theirs. Every feature gets the same
 * instance (`PluginDependencies.metrics`, or from `startGateway`); when `metrics.enabled` is false it is
 * {@link NO_METRICS}, whose methods do nothing, so callers never check. Names and labels are documented in
 * docs/observability.md; a feature that needs a metric not listed here creates it with `counter`,
 * `gauge` or `histogram` (prefix `atrium_`, labels with a bounded set of values only).
 */
export interface GatewayMetrics {
  /** The prom-client registry behind the metrics; `undefined` when metrics are off. */
  readonly registry: Registry | undefined;

  /** One answered HTTP request (the observability plugin records these); `operation` from {@link operationLabel}. */
  recordRequest(operation: string, outcome: RequestOutcome, seconds: number): void;
  /** One subgraph fetch; `errorCode` when it failed (a gateway error code, or `GRAPHQL_ERRORS`). */
  recordSubgraphFetch(subgraph: string, seconds: number, errorCode: string | undefined): void;
  /** The `operation` label for an operation name: bounded (see `metrics.maxOperationNames`). */
  operationLabel(operationName: string | undefined): string;
  /** Reports the plan cache of the engine serving now; read at scrape time, so it costs nothing per request. */
  observePlanCache(stats: () => PlanCacheStats | undefined): void;

  /** A quota (rate limit, cost budget) decided about one request. `measured`: over the limit in measure mode. */
  recordQuotaDecision(decision: 'allowed' | 'rejected' | 'measured'): void;
  /**
   * A circuit breaker changed state (exported as 0 closed, 1 half-open, 2 open). `instance` names one of the
   * subgraph's configured instances (default: the subgraph itself).
   */
  setCircuitBreakerState(subgraph: string, state: 'closed' | 'half-open' | 'open', instance?: string): void;
  /** One cache lookup; `cache` names the cache (`response`, `entity`, `persisted-operations`, ...). */
  recordCacheLookup(cache: string, result: 'hit' | 'miss'): void;
  /** One supergraph reload (hot reload or publish), applied or refused. */
  recordSupergraphReload(outcome: 'success' | 'failure'): void;

  /** A counter of the caller's own (`atrium_<feature>_<what>_total`). */
  counter<L extends string = never>(spec: MetricSpec<L>): { inc(labels?: Labels<L>, value?: number): void };
  /** A gauge of the caller's own. */
  gauge<L extends string = never>(spec: MetricSpec<L>): { set(labels: Labels<L>, value: number): void };
  /** A histogram of the caller's own; `buckets` in the metric's unit (seconds for durations). */
  histogram<L extends string = never>(
    spec: MetricSpec<L> & { buckets?: readonly number[] },
  ): { observe(labels: Labels<L>, value: number): void };
}

/** How a request ended: no errors, GraphQL errors in a 2xx answer, a 4xx refusal, a 5xx failure. */
export type RequestOutcome = 'success' | 'graphql_error' | 'client_error' | 'server_error';

export interface PlanCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  /** Estimated bytes the cached plans hold (engine.planCacheMaxBytes bounds it). */
  readonly weight: number;
}

export interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export type Labels<L extends string> = Partial<Record<L, string>>;

export interface MetricsOptions {
  /** Most distinct operation names used as label values; later ones become `__other__`. */
  readonly maxOperationNames: number;
  /** Node.js process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

/** Operation label values that are not operation names. */
export const OPERATION_LABEL = { anonymous: '__anonymous__', other: '__other__', none: '__none__' } as const;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BREAKER_STATES = { closed: 0, 'half-open': 1, open: 2 } as const;
const MAX_OPERATION_NAME_LENGTH = 128;
const noop = () => {};

/** The metrics of a gateway with `metrics.enabled: false`: every method does nothing. */
export const NO_METRICS: GatewayMetrics = Object.freeze({
  registry: undefined,
  recordRequest: noop,
  recordSubgraphFetch: noop,
  operationLabel: () => OPERATION_LABEL.none,
  observePlanCache: noop,
  recordQuotaDecision: noop,
  setCircuitBreakerState: noop,
  recordCacheLookup: noop,
  recordSupergraphReload: noop,
  counter: () => ({ inc: noop }),
  gauge: () => ({ set: noop }),
  histogram: () => ({ observe: noop }),
});

/**
 * Creates the gateway's metrics on a registry of their own (several gateways may run in one process).
 *
 * @example
 * const metrics = createGatewayMetrics({ maxOperationNames: 100 });
 * metrics.recordQuotaDecision('rejected');
 * const text = await metrics.registry!.metrics(); // Prometheus text format
 */
export function createGatewayMetrics(options: MetricsOptions): GatewayMetrics {
  // Loaded by the first gateway with metrics on, not by every start: `metrics.enabled` is off by default
  // (docs/performance.md, "Start-up").
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  // Recorded once per request and once per subgraph fetch: hot-metrics.ts, not prom-client's own classes.
  const requests = new HotCounter('atrium_requests_total', 'HTTP requests answered (probes excluded), by operation name and outcome.', ['operation', 'outcome'], registry);
  const requestDuration = new HotHistogram(
    'atrium_request_duration_seconds',
    'Time from the arrival of a request to the end of its response, by operation name and outcome.',
    ['operation', 'outcome'],
    LATENCY_BUCKETS,
    registry,
  );
  const subgraphFetches = new HotCounter(
    'atrium_subgraph_requests_total',
    'Requests sent to subgraphs (or answered by a fetch hook), by subgraph and outcome (success, error).',
    ['subgraph', 'outcome'],
    registry,
  );
  const subgraphDuration = new HotHistogram('atrium_subgraph_request_duration_seconds', 'Duration of subgraph requests, by subgraph.', ['subgraph'], LATENCY_BUCKETS, registry);
  const subgraphErrors = new Counter({
    name: 'atrium_subgraph_errors_total',
    help: 'Failed subgraph requests by subgraph and code (SUBGRAPH_TIMEOUT, SUBGRAPH_UNAVAILABLE, ..., or GRAPHQL_ERRORS for answers with errors).',
    labelNames: ['subgraph', 'code'] as const,
    registers,
  });
  let planCacheStats: () => PlanCacheStats | undefined = () => undefined;
  new Counter({
    name: 'atrium_plan_cache_hits_total',
    help: 'Query plan cache hits (of the supergraph version serving now).',
    registers,
    collect() {
      this.reset();
      this.inc(planCacheStats()?.hits ?? 0);
    },
  });
  new Counter({
    name: 'atrium_plan_cache_misses_total',
    help: 'Query plan cache misses, each one a planning (of the supergraph version serving now).',
    registers,
    collect() {
      this.reset();
      this.inc(planCacheStats()?.misses ?? 0);
    },
  });
  new Gauge({
    name: 'atrium_plan_cache_size',
    help: 'Query plans in the cache.',
    registers,
    collect() {
      this.set(planCacheStats()?.size ?? 0);
    },
  });
  new Gauge({
    name: 'atrium_plan_cache_bytes',
    help: 'Estimated bytes the cached query plans hold (bounded by engine.planCacheMaxBytes).',
    registers,
    collect() {
      this.set(planCacheStats()?.weight ?? 0);
    },
  });
  // Per request with a quota, per lookup of a cache: hot-metrics.ts too.
  const quotaDecisions = new HotCounter('atrium_quota_decisions_total', 'Quota decisions (allowed, rejected, measured: over the limit in measure mode).', ['decision'], registry);
  const breakerState = new Gauge({
    name: 'atrium_circuit_breaker_state',
    help: 'Circuit breaker state per subgraph instance: 0 closed, 1 half-open, 2 open.',
    labelNames: ['subgraph', 'instance_id'] as const,
    registers,
  });
  const cacheLookups = new HotCounter('atrium_cache_lookups_total', 'Cache lookups by cache and result (hit, miss).', ['cache', 'result'], registry);
  const reloads = new Counter({
    name: 'atrium_supergraph_reloads_total',
    help: 'Supergraph reloads by outcome (success, failure: refused, the previous supergraph keeps serving).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const operationNames = new Set<string>();

  return {
    registry,
    recordRequest(operation, outcome, seconds) {
      requests.inc(operation, outcome);
      requestDuration.observe(seconds, operation, outcome);
    },
    recordSubgraphFetch(subgraph, seconds, errorCode) {
      subgraphFetches.inc(subgraph, errorCode === undefined ? 'success' : 'error');
      subgraphDuration.observe(seconds, subgraph);
      if (errorCode !== undefined) subgraphErrors.inc({ subgraph, code: errorCode });
    },
    operationLabel(name) {
      if (name === undefined) return OPERATION_LABEL.anonymous;
      if (operationNames.has(name)) return name;
      if (operationNames.size >= options.maxOperationNames || name.length > MAX_OPERATION_NAME_LENGTH) {
        return OPERATION_LABEL.other;
      }
      operationNames.add(name);
      return name;
    },
    observePlanCache(stats) {
      planCacheStats = stats;
    },
    recordQuotaDecision(decision) {
      quotaDecisions.inc(decision);
    },
    setCircuitBreakerState(subgraph, state, instance = subgraph) {
      breakerState.set({ subgraph, instance_id: instance }, BREAKER_STATES[state]);
    },
    recordCacheLookup(cache, result) {
      cacheLookups.inc(cache, result);
    },
    recordSupergraphReload(outcome) {
      reloads.inc({ outcome });
    },
    counter(spec) {
      const counter = new Counter({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers });
      return { inc: (labels = {}, value = 1) => counter.inc(labels as never, value) };
    },
    gauge(spec) {
      const gauge = new Gauge({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers });
      return { set: (labels, value) => gauge.set(labels as never, value) };
    },
    histogram(spec) {
      const histogram = new Histogram({
        name: spec.name,
        help: spec.help,
        labelNames: spec.labelNames ?? [],
        buckets: [...(spec.buckets ?? LATENCY_BUCKETS)],
        registers,
      });
      return { observe: (labels, value) => histogram.observe(labels as never, value) };
    },
  };
}
