import type { Registry } from 'prom-client';

/**
 * Per-request metrics whose recording is a map lookup and an add. prom-client's `Counter.inc` and
 * `Histogram.observe` check the label names, build a hash string of the labels and (histograms) index the
 * bucket counts by the bound's number turned into a property key, on every call: with the access log,
 * tracing and the other features on, the request and subgraph metrics (one request, ~7 subgraph fetches
 * per benchmark operation) were ~1 % of the server thread's CPU. These keep one series object per label
 * values, found by the values the caller already has, and are registered in the prom-client registry as
 * metrics of their own: a scrape reads them through `get()` in the shapes prom-client's own counter and
 * histogram give, so the text (and the cluster aggregation over `getMetricsAsJSON`) is the same.
 */

interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
  readonly sharedLabels?: Record<string, string>;
}

interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: MetricValue[];
  readonly aggregator: 'sum';
}

interface CounterSeries {
  readonly labels: Record<string, string>;
  value: number;
}

interface HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What both kinds share: series per label values, two levels deep (one or two labels). */
abstract class HotMetric<S extends { readonly labels: Record<string, string> }> {
  readonly aggregator = 'sum';
  /** First label's value → second label's value ('' with one label) → series. */
  #series = new Map<string, Map<string, S>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly [string] | readonly [string, string],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  protected seriesOf(first: string, second: string): S {
    let inner = this.#series.get(first);
    if (inner === undefined) this.#series.set(first, (inner = new Map()));
    let series = inner.get(second);
    if (series === undefined) {
      const [a, b] = this.labelNames;
      inner.set(second, (series = this.newSeries(b === undefined ? { [a]: first } : { [a]: first, [b]: second })));
    }
    return series;
  }

  protected allSeries(): S[] {
    const out: S[] = [];
    for (const inner of this.#series.values()) for (const series of inner.values()) out.push(series);
    return out;
  }

  protected abstract newSeries(labels: Record<string, string>): S;

  /** prom-client's `Registry.resetMetrics`. */
  reset(): void {
    this.#series = new Map();
  }
}

/**
 * A counter with one or two labels, given by value in `labelNames` order.
 *
 * @example
 * const requests = new HotCounter('atrium_requests_total', 'Requests.', ['operation', 'outcome'], registry);
 * requests.inc('GetUser', 'success');
 */
export class HotCounter extends HotMetric<CounterSeries> {
  readonly type = 'counter';

  inc(first: string, second = '', value = 1): void {
    this.seriesOf(first, second).value += value;
  }

  protected newSeries(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 };
  }

  /** prom-client's `Counter.get()` shape: one value per label set. */
  async get(): Promise<MetricData> {
    const values = this.allSeries().map(({ labels, value }) => ({ value, labels: { ...labels } }));
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }
}

/**
 * A histogram with one or two labels, given by value in `labelNames` order, and fixed bucket bounds.
 *
 * @example
 * const durations = new HotHistogram('atrium_request_duration_seconds', 'Durations.', ['operation', 'outcome'], [0.01, 0.1, 1], registry);
 * durations.observe(0.042, 'GetUser', 'success');
 */
export class HotHistogram extends HotMetric<HistogramSeries> {
  readonly type = 'histogram';
  readonly #bounds: Float64Array;

  constructor(name: string, help: string, labelNames: readonly [string] | readonly [string, string], bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
    this.#bounds = Float64Array.from(bounds);
  }

  /** Records `value` (a non-finite one, which prom-client would throw on, is dropped). */
  observe(value: number, first: string, second = ''): void {
    if (!Number.isFinite(value)) return;
    const series = this.seriesOf(first, second);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  protected newSeries(labels: Record<string, string>): HistogramSeries {
    return { labels, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  /** prom-client's `Histogram.getForPromString()` shape, which `Registry.metrics()` formats. */
  async getForPromString(): Promise<MetricData> {
    const bucket = `${this.name}_bucket`;
    const values: MetricValue[] = [];
    for (const series of this.allSeries()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: this.#bounds[i]! }, value: cumulative, metricName: bucket, sharedLabels: series.labels });
      }
      values.push(
        { labels: { le: '+Inf' }, value: series.count, metricName: bucket, sharedLabels: series.labels },
        { labels: {}, value: series.sum, metricName: `${this.name}_sum`, sharedLabels: series.labels },
        { labels: {}, value: series.count, metricName: `${this.name}_count`, sharedLabels: series.labels },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client's `Histogram.get()` shape: the series' labels merged into each value's (`le` first). */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    const values = data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return { ...data, values };
  }
}
