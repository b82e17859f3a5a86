import type { Logger } from '../logger.js';
import type { PlannerFallbackReason } from './planner-fallback.js';

/** An engine's record of operations planned by Apollo's planner in place of Hive's. */
export interface PlannerFallbacks {
  /** Counts one fallback; logs it at warn the first time its operation (plan-cache key) falls back. */
  record(fallback: { key: string; operationName: string | undefined; reason: PlannerFallbackReason; detail: string }): void;
  /** Fallbacks so far, by reason. */
  counts(): Readonly<Record<string, number>>;
}

/** Operations whose fallback was logged: bounded, so a stream of distinct operations cannot grow it. */
const MAX_LOGGED_KEYS = 10_000;

/**
 * Counts planner fallbacks (the engine's own counts, and `count`: the gateway's
 * `atrium_planner_fallbacks_total{reason}`), and
 * logs each operation's first at warn (a plan evicted from the plan cache and planned again is counted
 * again, not logged again).
 *
 * @example
 * const fallbacks = plannerFallbacks({ logger, count: (reason) => counter.inc({ reason }) });
 * fallbacks.record({ key: queryHash, operationName, reason: 'hive-planner-error', detail: error.message });
 */
export function plannerFallbacks(options: { logger?: Logger; count?: (reason: PlannerFallbackReason) => void }): PlannerFallbacks {
  const counts: Record<string, number> = {};
  const logged = new Set<string>();
  return {
    record({ key, operationName, reason, detail }) {
      counts[reason] = (counts[reason] ?? 0) + 1;
      options.count?.(reason);
      if (logged.has(key)) return;
      if (logged.size >= MAX_LOGGED_KEYS) logged.clear();
      logged.add(key);
      options.logger?.warn({ operationName, reason, detail }, "plan: planned by the apollo planner: the hive path lacks what this operation needs");
    },
    counts: () => ({ ...counts }),
  };
}

