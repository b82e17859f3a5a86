import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { createRateLimitPlugin } from '../../../gateway/plugins/rate-limit/index.js';
import { createMemoryTokenBucketStore } from '../../../gateway/quota/memory-token-bucket-store.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';

const CREATE_ORDER = 'mutation ($buyer: ID!) { createOrder(input: { buyerId: $buyer, items: [{ upc: "1001" }] }) { id } }';

describe('@rateLimit on fields (createOrder: 5 per 1m in the demo schema)', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { rateLimit: {} } });
  });
  afterAll(async () => demo?.close());

  it('lets a client call the field 5 times, then answers 429 without calling the subgraph', async () => {
    for (let i = 0; i < 5; i += 1) {
      const result = await demo.post(CREATE_ORDER, { buyer: '1' });
      expect(result.status).toBe(200);
      expect(result.body.data.createOrder.id).toBeTruthy();
      expect(result.headers.get('ratelimit-policy')).toBe('"Mutation.createOrder";q=5;w=60');
      expect(result.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
    }
    const before = demo.subgraphs.orders!.requests.length;
    const refused = await demo.post(CREATE_ORDER, { buyer: '1' });
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', field: 'Mutation.createOrder' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(demo.subgraphs.orders!.requests.length).toBe(before);
  });

  it('counts each aliased selection, and leaves operations without the field alone', async () => {
    const two = 'mutation { a: createOrder(input: { buyerId: "2", items: [] }) { id } b: cancelOrder(id: "x") { id } }';
    // The bucket is empty from the test above: still refused, and a query without the field is not.
    expect((await demo.post(two)).status).toBe(429);
    const query = await demo.post('{ topProducts(first: 1) { upc } }');
    expect(query.status).toBe(200);
    expect(query.headers.get('ratelimit')).toBeNull();
  });
});

describe('request-count limits for anonymous traffic', () => {
  let demo: DemoGateway;
  const fakeAuth: AtriumPlugin = {
    name: 'fake-auth',
    onRequest({ context }) {
      if (context.http.headers.authorization === 'Bearer ok') context.principal = { clientId: 'app', subject: undefined, scopes: [], claims: {} };
    },
  };
  beforeAll(async () => {
    const config = parseConfig({ rateLimit: { anonymous: { max: 3, window: '1m' }, routes: { '/graphql': { max: 100, window: '10s' } } } }, 'test');
    const rateLimit = createRateLimitPlugin({
      config: config.rateLimit!,
      clients: config.clients,
      store: createMemoryTokenBucketStore(),
      onStoreError: 'allow',
      logger: createLogger({ level: 'silent' }),
    });
    demo = await startDemoGateway({ plugins: [fakeAuth, rateLimit] });
  });
  afterAll(async () => demo?.close());

  it('allows max requests per window per IP, then 429 before the request is even parsed', async () => {
    for (let i = 0; i < 3; i += 1) {
      const result = await demo.post('{ topProducts(first: 1) { upc } }');
      expect(result.status).toBe(200);
      expect(result.headers.get('ratelimit-policy')).toBe('"requests";q=3;w=60, "requests /graphql";q=100;w=10');
    }
    const before = demo.subgraphs.products!.requests.length;
    const refused = await demo.post('{ this is not graphql');
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBe(20);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(demo.subgraphs.products!.requests.length).toBe(before);
  });

  it('does not count requests that carry a principal', async () => {
    const result = await demo.post('{ topProducts(first: 1) { upc } }', {}, { authorization: 'Bearer ok' });
    expect(result.status).toBe(200);
    expect(result.headers.get('ratelimit')).toBeNull();
  });
});
