import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../../gateway/observability/hot-metrics.js';

const BOUNDS = [0.005, 0.01, 0.1, 1];
// Values on a bound, between bounds, above every bound, zero; label values that need escaping.
const OBSERVATIONS: [number, string, string][] = [
  [0.005, 'GetUser', 'success'],
  [0.0071, 'GetUser', 'success'],
  [0.5, 'GetUser', 'graphql_error'],
  [7, 'Odd "name"\\\n', 'success'],
  [0, 'GetUser', 'success'],
  [0.1, '__anonymous__', 'client_error'],
];

/** The same observations into prom-client's own classes and into the hot ones, each on a registry of its own. */
function both() {
  const own = new Registry();
  const hot = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['operation', 'outcome'], registers: [own] });
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['operation', 'outcome'], buckets: BOUNDS, registers: [own] });
  const single = new Histogram({ name: 's_seconds', help: 's', labelNames: ['subgraph'], buckets: BOUNDS, registers: [own] });
  const hotCounter = new HotCounter('c_total', 'c', ['operation', 'outcome'], hot);
  const hotHistogram = new HotHistogram('h_seconds', 'h', ['operation', 'outcome'], BOUNDS, hot);
  const hotSingle = new HotHistogram('s_seconds', 's', ['subgraph'], BOUNDS, hot);
  for (const [value, operation, outcome] of OBSERVATIONS) {
    counter.inc({ operation, outcome });
    histogram.observe({ operation, outcome }, value);
    single.observe({ subgraph: outcome }, value);
    hotCounter.inc(operation, outcome);
    hotHistogram.observe(value, operation, outcome);
    hotSingle.observe(value, outcome);
  }
  return { own, hot, hotHistogram };
}

describe('hot metrics', () => {
  it('scrape to the same text as prom-client Counter and Histogram fed the same values', async () => {
    const { own, hot } = both();
    const text = await hot.metrics();
    expect(text).toBe(await own.metrics());
    expect(text).toContain('h_seconds_bucket{le="0.005",operation="GetUser",outcome="success"} 2');
    expect(text).toContain('h_seconds_bucket{le="+Inf",operation="Odd \\"name\\"\\\\\\n",outcome="success"} 1');
  });

  it('give the same JSON, so workers aggregate to the same text', async () => {
    const { own, hot } = both();
    const strip = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map((metric) => ({ ...metric, values: metric.values.map(({ labels, value, metricName }: { labels: object; value: number; metricName?: string }) => ({ labels, value, metricName })) }));
    expect(strip(await hot.getMetricsAsJSON())).toEqual(strip(await own.getMetricsAsJSON()));
    const aggregated = await AggregatorRegistry.aggregate([await hot.getMetricsAsJSON(), await hot.getMetricsAsJSON()]).metrics();
    expect(aggregated).toBe(await AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), await own.getMetricsAsJSON()]).metrics());
    expect(aggregated).toContain('c_total{operation="GetUser",outcome="success"} 6');
  });

  it('drop a non-finite value instead of throwing, and reset with the registry', async () => {
    const { hot, hotHistogram } = both();
    hotHistogram.observe(Number.NaN, 'GetUser', 'success');
    expect(await hot.metrics()).toContain('h_seconds_count{operation="GetUser",outcome="success"} 3');
    hot.resetMetrics();
    expect(await hot.metrics()).toBe('# HELP c_total c\n# TYPE c_total counter\n\n# HELP h_seconds h\n# TYPE h_seconds histogram\n\n# HELP s_seconds s\n# TYPE s_seconds histogram\n');
  });
});
