import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { createCostPlugin } from '../../../gateway/plugins/cost/index.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { createMemoryTokenBucketStore } from '../../../gateway/quota/memory-token-bucket-store.js';
import { startCustomGateway } from '../../helpers/custom-gateway.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';

const totalRequests = (demo: DemoGateway) => Object.values(demo.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);

/** topProducts(first: 2) { upc }: 2 products of weight 1, and the demo always has 2 to return, so actual = estimate. */
const TWO_POINTS = '{ topProducts(first: 2) { upc } }';
/** search has @cost(weight: 5) (instead of the type's 1) and slicing argument first: 10 x (5 + reviews 5 x 1) = 100; no match returns []. */
const SEARCH_NOTHING = '{ search(term: "no-such-thing") { ... on Product { name reviews { rating } } } }';

describe('cost analysis', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { cost: { maxPerOperation: 99 } } });
  });
  afterAll(async () => demo?.close());

  it('reports the estimated and the actual cost on every response', async () => {
    const result = await demo.post(TWO_POINTS);
    expect(result.status).toBe(200);
    expect(result.body.extensions.cost).toEqual({ requestedQueryCost: 2, actualQueryCost: 2 });
    const nested = await demo.post('{ topProducts(first: 3) { name reviews(first: 2) { rating } } }');
    // 3 x (1 + 2 x 1) estimated; the actual count follows what the reviews subgraph returned.
    expect(nested.body.extensions.cost.requestedQueryCost).toBe(9);
    expect(nested.body.extensions.cost.actualQueryCost).toBeLessThanOrEqual(9);
    expect(nested.body.extensions.cost.actualQueryCost).toBeGreaterThanOrEqual(3);
  });

  it('rejects an operation over maxPerOperation before any fetch, with the estimate and the maximum', async () => {
    const before = totalRequests(demo);
    const result = await demo.post(SEARCH_NOTHING);
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 100, max: 99 } });
    expect(result.body.data).toBeUndefined();
    expect(totalRequests(demo)).toBe(before);
  });

  it('refuses an absurdly nested estimate with a bounded number instead of failing', async () => {
    const max = 2147483647;
    const query = `{ topProducts(first: ${max}) { reviews(first: ${max}) { author { reviews(first: ${max}) { author { reviews(first: ${max}) { body } } } } } } }`;
    const result = await demo.post(query);
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: Number.MAX_SAFE_INTEGER, max: 99 } });
    expect((await demo.post(TWO_POINTS)).status).toBe(200);
  });

  it('uses variables for slicing arguments', async () => {
    const query = 'query ($n: Int!) { topProducts(first: $n) { upc } }';
    expect((await demo.post(query, { n: 4 })).body.extensions.cost.requestedQueryCost).toBe(4);
    expect((await demo.post(query, { n: 1 })).body.extensions.cost.requestedQueryCost).toBe(1);
    expect((await demo.post(query, { n: 100 })).body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });
});

describe('cost analysis in measure mode', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { cost: { mode: 'measure', maxPerOperation: 100, budget: { default: { capacity: 10, restoreRate: 0.001 } } } } });
  });
  afterAll(async () => demo?.close());

  it('rejects nothing but still reports the cost', async () => {
    const result = await demo.post(SEARCH_NOTHING);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ search: [] });
    expect(result.body.extensions.cost).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 0 });
  });
});

describe('cost budget per client', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      config: { cost: { budget: { default: { capacity: 1000 }, anonymous: { capacity: 120, restoreRate: 0.001 } } } },
    });
  });
  afterAll(async () => demo?.close());

  it('gives back what the response did not use, and reports the bucket in extensions.cost and the headers', async () => {
    const result = await demo.post(SEARCH_NOTHING);
    expect(result.status).toBe(200);
    // Estimated 100, actual 0: all 100 points come back.
    expect(result.body.extensions.cost).toEqual({
      requestedQueryCost: 100,
      actualQueryCost: 0,
      throttleStatus: { maximumAvailable: 120, currentlyAvailable: 120, restoreRate: 0.001 },
    });
    expect(result.headers.get('x-ratelimit-limit')).toBe('120');
    expect(result.headers.get('x-ratelimit-remaining')).toBe('120');
    expect(result.headers.get('ratelimit-policy')).toBe('"cost";q=120;w=120000');
    expect(result.headers.get('ratelimit')).toMatch(/^"cost";r=120;t=\d+$/);
  });

  it('answers 429 RATE_LIMITED with Retry-After and the headers once the bucket is empty, calling no subgraph', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<DemoGateway['post']>> | undefined;
    for (let i = 0; i < 70 && last?.status !== 429; i += 1) {
      last = await demo.post(TWO_POINTS);
      statuses.push(last.status);
    }
    // 120 points at 2 per request: the 61st request is refused.
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(last!.status).toBe(429);
    const before = totalRequests(demo);
    const refused = await demo.post(TWO_POINTS);
    expect(refused.status).toBe(429);
    expect(totalRequests(demo)).toBe(before);
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      cost: { requestedQueryCost: 2, throttleStatus: { maximumAvailable: 120, currentlyAvailable: 0, restoreRate: 0.001 } },
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('120');
    expect(refused.headers.get('ratelimit')).toMatch(/^"cost";r=0;t=\d+$/);
  });

  it('refuses an operation larger than the whole bucket as too expensive, not as a 429 to retry', async () => {
    const result = await demo.post('{ search(term: "a", first: 30) { __typename } }');
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 150, max: 120 } });
  });
});

describe('cost budget: 200 concurrent requests against one in-memory bucket', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { cost: { budget: { default: { capacity: 100, restoreRate: 0.001 } } } } });
  });
  afterAll(async () => demo?.close());

  it('admits exactly what fits: 50 requests of 2 points, the other 150 get 429', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => demo.post(TWO_POINTS)));
    const admitted = results.filter((r) => r.status === 200);
    expect(admitted).toHaveLength(50);
    expect(results.filter((r) => r.status === 429)).toHaveLength(150);
    expect(admitted.every((r) => r.body.data.topProducts.length === 2)).toBe(true);
  });
});

describe('cost budget with a principal', () => {
  let demo: DemoGateway;
  // Stands in for the auth plugin: a bearer of "token-<client>-<plan>" is that client on that plan.
  const fakeAuth: AtriumPlugin = {
    name: 'fake-auth',
    onRequest({ context }) {
      const match = /^Bearer token-(\w+)-(\w+)$/.exec(String(context.http.headers.authorization ?? ''));
      if (match) context.principal = { clientId: match[1], subject: `user-${match[1]}`, scopes: [], claims: { plan: match[2] } };
    },
  };
  beforeAll(async () => {
    const config = parseConfig(
      {
        cost: {
          budget: {
            default: { capacity: 100, restoreRate: 1 },
            anonymous: { capacity: 10, restoreRate: 1 },
            tiers: { gold: { capacity: 500, restoreRate: 5 } },
            clients: { vip: { capacity: 9000, restoreRate: 90 } },
          },
        },
      },
      'test',
    );
    const store = createMemoryTokenBucketStore();
    const cost = createCostPlugin({ config: config.cost!, clients: config.clients, store, onStoreError: 'allow', logger: createLogger({ level: 'silent' }) });
    demo = await startDemoGateway({ plugins: [fakeAuth, cost] });
  });
  afterAll(async () => demo?.close());

  it('picks the bucket: own client entry, else tier, else default; anonymous by IP', async () => {
    const bucketOf = async (authorization?: string) =>
      (await demo.post(TWO_POINTS, {}, authorization ? { authorization } : {})).body.extensions.cost.throttleStatus.maximumAvailable;
    expect(await bucketOf('Bearer token-vip-gold')).toBe(9000);
    expect(await bucketOf('Bearer token-app1-gold')).toBe(500);
    expect(await bucketOf('Bearer token-app2-free')).toBe(100);
    expect(await bucketOf()).toBe(10);
  });

  it('keeps each client in its own bucket', async () => {
    const a = await demo.post(TWO_POINTS, {}, { authorization: 'Bearer token-alice-free' });
    const b = await demo.post(TWO_POINTS, {}, { authorization: 'Bearer token-bob-free' });
    expect(a.body.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(98);
    expect(b.body.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(98);
  });
});

describe('cost and quota metrics', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      config: { metrics: { enabled: true }, cost: { budget: { anonymous: { capacity: 4, restoreRate: 0.001 } } } },
    });
  });
  afterAll(async () => demo?.close());

  it('exports quota decisions and the estimated and actual cost on /metrics', async () => {
    for (let i = 0; i < 3; i += 1) await demo.post(TWO_POINTS);
    const text = await (await fetch(new URL('/metrics', demo.url))).text();
    expect(text).toMatch(/atrium_quota_decisions_total\{decision="allowed"\} 2/);
    expect(text).toMatch(/atrium_quota_decisions_total\{decision="rejected"\} 1/);
    expect(text).toMatch(/atrium_cost_estimated_count 2/);
    expect(text).toMatch(/atrium_cost_actual_sum 4/);
    expect(text).toContain('atrium_quota_store_errors_total 0');
  });
});

describe('cost.extensions: false', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { cost: { extensions: false, budget: { anonymous: { capacity: 50, restoreRate: 0.001 } } } } });
  });
  afterAll(async () => demo?.close());

  it('leaves extensions.cost out but still takes, gives back and reports the bucket in the headers', async () => {
    const first = await demo.post(SEARCH_NOTHING);
    expect(first.status).toBe(400); // 100 points never fit a bucket of 50
    const result = await demo.post(TWO_POINTS);
    expect(result.status).toBe(200);
    expect(result.body.extensions).toBeUndefined();
    expect(result.headers.get('x-ratelimit-remaining')).toBe('48');
  });
});

describe('cost budget with the auth plugin (API keys)', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      config: {
        auth: {
          // "demo-ci-key" (the demo gateway.yaml's key), by its SHA-256.
          apiKeys: { keys: { 'demo-ci': { hash: 'sha256:e230221e6b75fcef3862aaa04a5854e2d103beaef0fe8c601f8bbc359d54cabc' } } },
        },
        cost: { budget: { default: { capacity: 100 }, anonymous: { capacity: 10 }, clients: { 'demo-ci': { capacity: 777 } } } },
        rateLimit: { anonymous: { max: 2, window: '1m' } },
      },
    });
  });
  afterAll(async () => demo?.close());

  it('keys an API key client by its id, and exempts it from the anonymous request limit', async () => {
    const headers = { 'x-api-key': 'demo-ci-key' };
    for (let i = 0; i < 4; i += 1) {
      const result = await demo.post(TWO_POINTS, {}, headers);
      expect(result.status).toBe(200);
      expect(result.body.extensions.cost.throttleStatus.maximumAvailable).toBe(777);
    }
    const anonymous = await demo.post(TWO_POINTS);
    expect(anonymous.body.extensions.cost.throttleStatus.maximumAvailable).toBe(10);
  });
});

describe('cost of a list longer than its estimate', () => {
  it('reports the actual cost above the estimate and takes the difference, into debt when the bucket is empty', async () => {
    const graph = await startCustomGateway(
      [{ name: 'catalog', sdl: 'type Query {\n  items(n: Int!): [Item!]!\n}\n\ntype Item {\n  id: ID!\n}\n', resolvers: { Query: { items: (_: unknown, { n }: { n: number }) => Array.from({ length: n }, (_, i) => ({ id: String(i) })) } } }],
      { cost: { defaultListSize: 10, budget: { anonymous: { capacity: 100, restoreRate: 0.001 } } } },
    );
    try {
      // No @listSize: estimated at defaultListSize (10 items, 1 point each).
      const short = await graph.post('{ items(n: 3) { id } }');
      expect(short.body.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 3, throttleStatus: { currentlyAvailable: 97 } });
      const long = await graph.post('{ items(n: 60) { id } }');
      expect(long.body.data.items).toHaveLength(60);
      // 10 taken before, 50 more after: 97 - 60.
      expect(long.body.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 60, throttleStatus: { currentlyAvailable: 37 } });
      expect(long.headers.get('x-ratelimit-remaining')).toBe('37');
      // 37 - 10 - 80: the bucket owes 53 points; it answers, and the next operation waits for the debt too.
      const over = await graph.post('{ items(n: 90) { id } }');
      expect(over.status).toBe(200);
      expect(over.body.extensions.cost).toMatchObject({ actualQueryCost: 90, throttleStatus: { currentlyAvailable: 0 } });
      const refused = await graph.post('{ items(n: 1) { id } }');
      expect(refused.status).toBe(429);
      expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      // 63 points (the debt and the estimate) at 0.001 per second.
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(63_000);
    } finally {
      await graph.close();
    }
  });
});
