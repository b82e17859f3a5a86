import type { PlannerFallbackReason } from '../engine/planner-fallback.js';
import type { GatewayMetrics } from './metrics.js';

type Count = (reason: PlannerFallbackReason) => void;
/** One counter per metrics registry: every engine of a gateway (one per hot reload) counts into it. */
const counters = new WeakMap<GatewayMetrics, Count>();

/**
 * `atrium_planner_fallbacks_total{reason}`: operations planned by Apollo's planner because the Hive path
 * lacks what they need (docs/architecture.md, "Compatibility").
 *
 * @example
 * createEngine({ ...options, countPlannerFallback: plannerFallbackCounter(metrics) });
 */
export function plannerFallbackCounter(metrics: GatewayMetrics): Count {
  let count = counters.get(metrics);
  if (!count) {
    const counter = metrics.counter<'reason'>({
      name: 'atrium_planner_fallbacks_total',
      help: "Operations planned by Apollo's planner because the Hive path lacks a capability they need, by reason.",
      labelNames: ['reason'],
    });
    count = (reason) => counter.inc({ reason });
    counters.set(metrics, count);
  }
  return count;
}
