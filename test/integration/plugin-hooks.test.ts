import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AtriumError } from '../../gateway/errors.js';
import type { AtriumPlugin } from '../../gateway/plugins/plugin.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

describe('plugin onRequest hooks and routes', () => {
  let demo: DemoGateway;
  const seen: string[] = [];
  const plugins: AtriumPlugin[] = [
    {
      name: 'gate',
      onRequest({ context, reject }) {
        seen.push(context.requestId);
        if (context.http.headers['x-deny'] === 'yes') {
          reject(new AtriumError('UNAUTHENTICATED', 'denied by test', { headers: { 'WWW-Authenticate': 'Bearer' } }));
        }
      },
      routes: [
        {
          matches: (path) => path === '/hello',
          async handle(_req, res, context) {
            res.setHeader('content-type', 'text/plain');
            res.end(`hello ${context.requestId}`);
          },
        },
      ],
    },
  ];

  beforeAll(async () => {
    demo = await startDemoGateway({ plugins });
  });
  afterAll(async () => demo?.close());

  it('lets a request through when no hook rejects', async () => {
    const result = await demo.post('{ topProducts(first: 1) { upc } }');
    expect(result.status).toBe(200);
    expect(result.body.data.topProducts).toHaveLength(1);
    expect(seen).toContain(result.headers.get('x-request-id'));
  });

  it('answers a rejection with its status, headers and code, before any subgraph is called', async () => {
    const before = demo.subgraphs.products!.requests.length;
    const result = await demo.post('{ topProducts(first: 1) { upc } }', {}, { 'x-deny': 'yes' });
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toBe('Bearer');
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(demo.subgraphs.products!.requests.length).toBe(before);
  });

  it('serves plugin routes on the gateway port, with a request id', async () => {
    const response = await fetch(new URL('/hello', demo.url));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`hello ${response.headers.get('x-request-id')}`);
    expect((await fetch(new URL('/nope', demo.url))).status).toBe(404);
  });
});

describe('one RequestContext per request', () => {
  it('is the same object in onRequest, onOperation, onPlan, onSubgraphFetch, onResponse and onHttpResponse', async () => {
    const seen = new Map<string, Set<object>>();
    const note = (hook: string, context: object): void => {
      (seen.get(hook) ?? seen.set(hook, new Set()).get(hook)!).add(context);
    };
    const plugin: AtriumPlugin = {
      name: 'identity',
      onRequest: ({ context }) => note('onRequest', context),
      onOperation: ({ context }) => note('onOperation', context),
      onPlan: ({ context }) => note('onPlan', context),
      onSubgraphFetch: ({ context }) => note('onSubgraphFetch', context),
      onResponse: ({ context }) => note('onResponse', context),
      onHttpResponse: ({ context }) => note('onHttpResponse', context!),
    };
    const demo = await startDemoGateway({ plugins: [plugin] });
    try {
      expect((await demo.post('{ topProducts(first: 1) { name inStock } }')).status).toBe(200);
      await expect.poll(() => seen.has('onHttpResponse'), { timeout: 5_000 }).toBe(true);
      const all = new Set([...seen.values()].flatMap((contexts) => [...contexts]));
      expect([...seen.keys()].toSorted()).toEqual(['onHttpResponse', 'onOperation', 'onPlan', 'onRequest', 'onResponse', 'onSubgraphFetch']);
      expect(all.size).toBe(1);
    } finally {
      await demo.close();
    }
  });
});

describe('test redis-server helper', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('starts a real redis-server, survives kill and restart', async () => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => {}); // expected while the server is killed
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    await redis.kill();
    await expect(client.ping()).rejects.toThrow();
    await redis.restart();
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 5_000 }).toBe('PONG');
    client.disconnect();
  });
});
