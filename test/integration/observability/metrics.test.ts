import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';
import { closedPortUrl } from '../../helpers/fault-subgraph.js';

// GET /metrics through the plugins gateway.yaml turns on. `accounts` is routed to a closed port, so its
// fetches fail and show in the subgraph error metrics and in /ready.

/** The value of one sample line, e.g. `atrium_requests_total{operation="A",outcome="success"}`; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0]!;
    if (wanted.every((pair) => labelText.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('Prometheus metrics on the gateway port', () => {
  let demo: DemoGateway;
  let closed: { url: string };

  beforeAll(async () => {
    closed = await closedPortUrl();
    demo = await startDemoGateway({
      config: {
        metrics: { enabled: true, maxOperationNames: 2 },
        traffic: { subgraphs: { accounts: { url: closed.url } } },
      },
    });
  });
  afterAll(async () => demo?.close());

  async function scrape(): Promise<string> {
    const response = await fetch(new URL('/metrics', demo.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  }

  it('counts requests by operation and outcome, folding names past metrics.maxOperationNames', async () => {
    for (let i = 0; i < 2; i++) expect((await demo.post('query First { topProducts(first: 1) { name } }')).status).toBe(200);
    expect((await demo.post('query Second { topProducts(first: 2) { name } }')).status).toBe(200);
    expect((await demo.post('query Third { topProducts(first: 3) { name } }')).status).toBe(200);
    expect((await demo.post('{ topProducts(first: 1) { upc } }')).status).toBe(200);
    expect((await demo.post('query Bad { nope }')).status).toBe(400);
    const text = await scrape();
    expect(sample(text, 'atrium_requests_total', { operation: 'First', outcome: 'success' })).toBe(2);
    expect(sample(text, 'atrium_requests_total', { operation: 'Second', outcome: 'success' })).toBe(1);
    expect(sample(text, 'atrium_requests_total', { operation: 'Third' })).toBe(0);
    expect(sample(text, 'atrium_requests_total', { operation: '__other__', outcome: 'success' })).toBe(1);
    expect(sample(text, 'atrium_requests_total', { operation: '__anonymous__', outcome: 'success' })).toBe(1);
    expect(sample(text, 'atrium_requests_total', { operation: '__none__', outcome: 'client_error' })).toBe(1);
    expect(sample(text, 'atrium_request_duration_seconds_count', { operation: 'First', outcome: 'success' })).toBe(2);
    // The scrape itself is not a request of the API.
    expect(sample(text, 'atrium_requests_total', { operation: '__none__', outcome: 'success' })).toBe(0);
  });

  it('counts subgraph requests, latencies and errors by subgraph', async () => {
    const result = await demo.post('{ me { name } topProducts(first: 1) { name } }');
    expect(result.body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    const text = await scrape();
    expect(sample(text, 'atrium_subgraph_requests_total', { subgraph: 'products', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'atrium_subgraph_request_duration_seconds_count', { subgraph: 'products' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'atrium_subgraph_requests_total', { subgraph: 'accounts', outcome: 'error' })).toBe(1);
    expect(sample(text, 'atrium_subgraph_errors_total', { subgraph: 'accounts', code: 'SUBGRAPH_UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'atrium_requests_total', { operation: '__anonymous__', outcome: 'graphql_error' })).toBe(1);
  });

  it("counts operations Apollo's planner made because Hive's planner failed inside, once per plan", async () => {
    // Operation 05's shape (docs/architecture.md, "Compatibility"): Hive's planner fails inside.
    const query = 'query Fallback { orders(first: 1) { items { product { shippingEstimate } } } }';
    const before = sample(await scrape(), 'atrium_planner_fallbacks_total', { reason: 'hive-planner-error' });
    for (let i = 0; i < 2; i++) {
      const result = await demo.post(query);
      expect(result.status).toBe(200);
      expect(result.body.data.orders[0].items[0].product.shippingEstimate).toBeTypeOf('number');
    }
    const after = sample(await scrape(), 'atrium_planner_fallbacks_total', { reason: 'hive-planner-error' });
    // The second request is a plan-cache hit: no new plan, no new fallback.
    expect(after - before).toBe(1);
  });

  it('reports plan cache hits and misses, and process metrics', async () => {
    const before = await scrape();
    const query = 'query CacheProbe { topProducts(first: 4) { name } }';
    await demo.post(query);
    await demo.post(query);
    const after = await scrape();
    expect(sample(after, 'atrium_plan_cache_misses_total') - sample(before, 'atrium_plan_cache_misses_total')).toBe(1);
    expect(sample(after, 'atrium_plan_cache_hits_total') - sample(before, 'atrium_plan_cache_hits_total')).toBe(1);
    expect(sample(after, 'atrium_plan_cache_size')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('process_cpu_user_seconds_total');
    expect(after).toContain('nodejs_eventloop_lag_seconds');
  });

  it('shows subgraph health from the last fetch in /ready', async () => {
    const response = await fetch(new URL('/ready', demo.url));
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    // Up or down only: the failure's code and time are for the admin listener's /ready.
    expect(body.subgraphs.accounts).toEqual({ status: 'down' });
    expect(body.subgraphs.products).toEqual({ status: 'up' });
    expect(body.subgraphs.reviews).toEqual({ status: 'unknown' });
  });
});

describe('Prometheus metrics on a port of their own', () => {
  let demo: DemoGateway;
  const lines: string[] = [];

  beforeAll(async () => {
    demo = await startDemoGateway({
      config: { metrics: { enabled: true, port: 0, path: '/prom' } },
      logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
    });
  });
  afterAll(async () => demo?.close());

  it('serves them there and not on the gateway port', async () => {
    const listening = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'metrics: listening');
    expect(listening?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prom$/);
    await demo.post('query OwnPort { topProducts(first: 1) { name } }');
    const response = await fetch(listening.url);
    expect(response.status).toBe(200);
    expect(sample(await response.text(), 'atrium_requests_total', { operation: 'OwnPort' })).toBe(1);
    expect((await fetch(new URL('/prom', demo.url))).status).toBe(404);
    expect((await fetch(new URL('/other', listening.url))).status).toBe(404);
    expect((await fetch(listening.url, { method: 'POST' })).status).toBe(405);
  });
});
