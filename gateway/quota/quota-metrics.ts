import type { GatewayMetrics } from '../observability/metrics.js';

/** What the cost and rate-limit plugins record; created once per gateway (metric names must be unique). */
export interface QuotaMetrics {
  /** A quota decided about a request: allowed, rejected (429), or over the limit in measure mode. */
  decision(decision: 'allowed' | 'rejected' | 'measured'): void;
  /** A failed quota store call (Redis unreachable, slow or erroring). */
  storeError(): void;
  /** The estimated and the actual cost of one executed operation. */
  cost(estimated: number, actual: number): void;
}

/** Records nothing: for plugins built without the gateway's metrics (tests, embedders). */
export const NO_QUOTA_METRICS: QuotaMetrics = Object.freeze({ decision() {}, storeError() {}, cost() {} });

const COST_BUCKETS = [0, 1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 100_000];

/**
 * The quota metrics of one gateway: `atrium_quota_decisions_total` (shared with other quota features),
 * `atrium_quota_store_errors_total`, and the histograms `atrium_cost_estimated` / `atrium_cost_actual`
 * (cost points per operation, as Apollo Router's `cost.estimated` / `cost.actual`).
 *
 * @example
 * const quotaMetrics = quotaMetricsFor(metrics);
 * quotaMetrics.cost(110, 34);
 */
export function quotaMetricsFor(metrics: GatewayMetrics): QuotaMetrics {
  const storeErrors = metrics.counter({
    name: 'atrium_quota_store_errors_total',
    help: 'Quota store (Redis) calls that failed or timed out; quotaStore.onStoreError decided those requests.',
  });
  const estimated = metrics.histogram({ name: 'atrium_cost_estimated', help: 'Estimated cost of executed operations, in cost points.', buckets: COST_BUCKETS });
  const actual = metrics.histogram({ name: 'atrium_cost_actual', help: 'Actual cost of executed operations, in cost points.', buckets: COST_BUCKETS });
  return {
    decision: (decision) => metrics.recordQuotaDecision(decision),
    storeError: () => storeErrors.inc(),
    cost(estimatedCost, actualCost) {
      estimated.observe({}, estimatedCost);
      actual.observe({}, actualCost);
    },
  };
}
