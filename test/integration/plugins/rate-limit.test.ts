import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { createRateLimitPlugin } from '../../../gateway/plugins/rate-limit/index.js';
import { createMemoryTokenBucketStore } from '../../../gateway/quota/memory-token-bucket-store.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { callRest } from '../../helpers/rest-client.js';

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

describe('what rateLimit.anonymous counts (issue 16, item 5)', () => {
  let demo: DemoGateway;
  const QUERY = '{ topProducts(first: 1) { upc } }';
  /** Each test its own client address, vouched for by the trusted loopback proxy. */
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const postRaw = (body: string, headers: Record<string, string>) =>
    fetch(demo.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    demo = await startDemoGateway({
      config: {
        rateLimit: { anonymous: { max: 5, window: '1m' } },
        limits: { maxBatchSize: 10 },
        clients: { trustedProxies: ['127.0.0.1'] },
        rest: { routes: [{ path: '/products/:upc', method: 'POST', operation: 'query P($upc: String!) { product(upc: $upc) { name } }' }] },
      },
    });
  });
  afterAll(async () => demo?.close());

  it('counts every operation of a batch, not the HTTP request', async () => {
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ query: QUERY })));
    const first = await postRaw(batch(3), from('198.51.100.1'));
    expect(first.status).toBe(200);
    expect((await first.json()) as unknown[]).toHaveLength(3);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');

    const before = demo.subgraphs.products!.requests.length;
    const second = await postRaw(batch(3), from('198.51.100.1'));
    expect(second.status).toBe(429);
    const refused = (await second.json()) as any;
    expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.errors[0].message).toBe('rate limited: more than 5 operations per 60s from this address');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(demo.subgraphs.products!.requests.length).toBe(before);
    // Two single operations still fit.
    expect((await postRaw(JSON.stringify({ query: QUERY }), from('198.51.100.1'))).status).toBe(200);
  });

  it('says so when one batch is larger than the whole allowance', async () => {
    const response = await postRaw(JSON.stringify(Array.from({ length: 6 }, () => ({ query: QUERY }))), from('198.51.100.2'));
    expect(response.status).toBe(429);
    const body = (await response.json()) as any;
    expect(body.errors[0]).toMatchObject({
      message: 'rate limited: a batch of 6 operations is more than the 5 allowed per 60s from this address; send smaller batches',
      extensions: { code: 'RATE_LIMITED' },
    });
  });

  it('counts malformed bodies: past the limit they get 429 instead of 400, and so does the next good request', async () => {
    const malformed = [
      () => postRaw('{"query": ', from('198.51.100.3')),
      () => postRaw('"just a string"', from('198.51.100.3')),
      () => fetch(demo.url, { method: 'POST', headers: { 'content-type': 'text/plain', ...from('198.51.100.3') }, body: '{"query":"{ __typename }"}' }),
      () => postRaw('', from('198.51.100.3')),
      () => postRaw('[1, 2', from('198.51.100.3')),
    ];
    for (const send of malformed) {
      const response = await send();
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const sixth = await postRaw('{ not json', from('198.51.100.3'));
    expect(sixth.status).toBe(429);
    expect(((await sixth.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sixth.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await postRaw(JSON.stringify({ query: QUERY }), from('198.51.100.3'))).status).toBe(429);
    // Another address is untouched, and the gateway keeps serving.
    expect((await postRaw(JSON.stringify({ query: QUERY }), from('198.51.100.4'))).status).toBe(200);
  });

  it('counts malformed bodies on REST routes too (problem+json 429 once over)', async () => {
    const headers = from('198.51.100.5');
    for (let i = 0; i < 5; i += 1) {
      const result = await callRest(demo.url, 'POST', '/products/1001', { body: '{"broken": ', headers });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const refused = await callRest(demo.url, 'POST', '/products/1001', { body: '{"broken": ', headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const strict = await startDemoGateway({ config: { rateLimit: { anonymous: { max: 2, window: '1m' } } } });
    try {
      const statuses: number[] = [];
      for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        statuses.push((await strict.post(QUERY, {}, { 'x-forwarded-for': address })).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await strict.close();
    }
  });
});
