/**
 * Progressive `@override(from: "a", label: "percent(N)")`: a field moves to the overriding subgraph for
 * N% of requests (https://www.apollographql.com/docs/graphos/schema-design/federated-schemas/entities/migrate-fields#incremental-migration-with-progressive-override).
 * Each request rolls one value in [0, 100); a threshold N is active when the value is below it, so all
 * thresholds of a supergraph fall into at most (#thresholds + 1) bands, each with its own plan.
 */

/** The active thresholds of one request, and what a planner needs to plan under exactly those. */
export interface OverrideBand {
  /** Plan-cache key part: the active thresholds, ascending, comma-separated (`""` when none). */
  readonly key: string;
  /** The thresholds N whose `percent(N)` overrides are active for this request. */
  readonly active: readonly number[];
  /**
   * A roll value inside the band (its lower bound): a planner that takes a value (Hive's) plans the same
   * for every value of the band, so a cached plan is right for every request keyed to it.
   */
  readonly percentageValue: number;
}

/** No progressive override: the band every request of a supergraph without thresholds falls into. */
export const NO_OVERRIDE_BAND: OverrideBand = Object.freeze({ key: '', active: Object.freeze([]), percentageValue: 100 });

/**
 * The bands of a supergraph's thresholds and the per-request roll into them. `random` returns a value in
 * [0, 1) (Math.random by default; tests pass their own): the engine reads no clock and seeds nothing.
 *
 * @example
 * const bands = overrideBands({ thresholds: [25, 50] });
 * bands.roll(); // e.g. { key: '50', active: [50], percentageValue: 25 }
 */
export function overrideBands(options: { thresholds: readonly number[]; random?: () => number }): {
  /** Every band, from all thresholds active to none (a hot reload warms each). */
  readonly all: readonly OverrideBand[];
  roll(): OverrideBand;
} {
  const thresholds = [...new Set(options.thresholds)].filter((n) => n > 0).sort((a, b) => a - b);
  if (thresholds.length === 0) return { all: [NO_OVERRIDE_BAND], roll: () => NO_OVERRIDE_BAND };
  const random = options.random ?? Math.random;
  // Band i holds the values in [thresholds[i-1], thresholds[i]): thresholds i.. are active.
  const all = [0, ...thresholds].map((lower, index) => {
    const active = Object.freeze(thresholds.slice(index));
    return Object.freeze({ key: active.join(','), active, percentageValue: lower });
  });
  return {
    all,
    roll() {
      const value = Math.min(Math.max(random() * 100, 0), 100);
      const inactive = thresholds.findIndex((n) => value < n);
      return all[inactive === -1 ? thresholds.length : inactive]!;
    },
  };
}
