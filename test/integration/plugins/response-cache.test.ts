import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { buildPlugins } from '../../../gateway/plugins/build-plugins.js';
import type { ResponseCachePlugin } from '../../../gateway/plugins/response-cache/index.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { startCacheControlProxy, type CacheControlProxy } from '../../helpers/cache-control-proxy.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

const TOKEN = 'purge-token-0123456789';
/** Two subgraphs: products (root fetch) and inventory (entity fetch by sku). */
const TOP = '{ topProducts(first: 2) { upc name inStock } }';
/** The demo product whose discontinuedReason resolver fails. */
const UNDER_REVIEW = '1004';

const hash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
/** Principals come from the auth plugin: one API key per user (`x-api-key: alice-key-...`). */
const AUTH = {
  apiKeys: {
    keys: {
      alice: { hash: hash('alice-key-0123456789') },
      bob: { hash: hash('bob-key-0123456789') },
      // Two keys of one subject (and client id), with other scopes.
      reader: { hash: hash('reader-key-0123456789'), clientId: 'app', scopes: ['orders:read'], claims: { sub: 'carol' } },
      admin: { hash: hash('admin-key-0123456789'), clientId: 'app', scopes: ['orders:read', 'admin'], claims: { sub: 'carol' } },
    },
  },
};
const as = (user: 'alice' | 'bob' | 'reader' | 'admin') => ({ 'x-api-key': `${user}-key-0123456789` });

describe('response cache', () => {
  let subgraphs: DemoSubgraphs;
  let products: CacheControlProxy;
  let inventory: CacheControlProxy;
  let redis: TestRedis;
  const gateways: DemoGateway[] = [];

  beforeAll(async () => {
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    products = await startCacheControlProxy(subgraphs.urls.products!, 'max-age=60');
    inventory = await startCacheControlProxy(subgraphs.urls.inventory!, 'max-age=60');
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await products?.close();
    await inventory?.close();
    await subgraphs?.close();
    await redis?.close();
  });
  beforeEach(() => {
    products.setCacheControl('max-age=60');
    inventory.setCacheControl('max-age=60');
    products.setDelay(0);
  });

  /** A gateway over the proxies with `responseCache` from `cache` and the API-key principals. */
  const start = async (
    cache: Record<string, unknown> = {},
    extra: Record<string, unknown> = {},
  ): Promise<{ gateway: DemoGateway; plugin: ResponseCachePlugin }> => {
    const config = {
      ...extra,
      auth: AUTH,
      responseCache: { enabled: true, purgeToken: TOKEN, ...cache },
      traffic: { ...(extra.traffic as object), subgraphs: { products: { url: products.url }, inventory: { url: inventory.url } } },
    };
    const built = await buildPlugins(parseConfig(config, 'test'), { logger: createLogger({ level: 'silent' }), configDir: '.' });
    const gateway = await startDemoGateway({ subgraphs, config, plugins: built });
    gateways.push(gateway);
    return { gateway, plugin: built.find((p) => p.name === 'responseCache') as ResponseCachePlugin };
  };
  const subgraphCalls = () => subgraphs.subgraphs.reduce((sum, s) => sum + s.requests.length, 0);

  it('answers a repeated query from the cache: x-cache miss, then hit, same body, no subgraph call; counts it', async () => {
    const { gateway, plugin } = await start({}, { metrics: { enabled: true } });
    const first = await gateway.post(TOP);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body.data.topProducts).toHaveLength(2);
    const calls = subgraphCalls();
    const second = await gateway.post(TOP);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.text).toBe(first.text);
    expect(subgraphCalls()).toBe(calls);
    expect(plugin.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    expect(metrics).toMatch(/^atrium_cache_lookups_total\{cache="response",result="hit"\} 1$/m);
    expect(metrics).toMatch(/^atrium_cache_lookups_total\{cache="response",result="miss"\} 1$/m);
    const other = await gateway.post('query($n: Int) { topProducts(first: $n) { upc name inStock } }', { n: 1 });
    expect(other.headers.get('x-cache')).toBe('miss');
    expect(other.body.data.topProducts).toHaveLength(1);
  });

  it('stores nothing when any fetch says no-store, when the result has errors, or for mutations', async () => {
    const { gateway, plugin } = await start();
    inventory.setCacheControl('no-store');
    for (let i = 0; i < 2; i++) expect((await gateway.post(TOP)).headers.get('x-cache')).toBe('miss');
    inventory.setCacheControl('max-age=60');
    const failing = `{ product(upc: "${UNDER_REVIEW}") { name discontinuedReason } }`;
    const withError = await gateway.post(failing);
    expect(withError.body.errors[0].extensions.code).toBe('REASON_UNDER_LEGAL_REVIEW');
    expect((await gateway.post(failing)).headers.get('x-cache')).toBe('miss');
    const mutation = await gateway.post('mutation { __typename }');
    expect(mutation.headers.get('x-cache')).toBeNull();
    expect(plugin.stats().stores).toBe(0);
  });

  it('keys private answers by principal: never serves one principal\'s entry to another, nor to anonymous', async () => {
    const { gateway } = await start();
    products.setCacheControl('max-age=60, private');
    expect((await gateway.post(TOP, {}, as('alice'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(TOP, {}, as('alice'))).headers.get('x-cache')).toBe('hit');
    const calls = subgraphCalls();
    const bob = await gateway.post(TOP, {}, as('bob'));
    expect(bob.headers.get('x-cache')).toBe('miss');
    expect(subgraphCalls()).toBeGreaterThan(calls);
    expect((await gateway.post(TOP)).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(TOP)).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(TOP, {}, as('bob'))).headers.get('x-cache')).toBe('hit');
  });

  it('keys a principal\'s entries by the whole principal: one subject with other scopes gets its own', async () => {
    const { gateway } = await start();
    const query = '{ topProducts(first: 2) { upc name } }';
    expect((await gateway.post(query, {}, as('admin'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query, {}, as('admin'))).headers.get('x-cache')).toBe('hit');
    // Same subject and client id, fewer scopes: the subgraphs saw other identity headers for the entry.
    expect((await gateway.post(query, {}, as('reader'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query, {}, as('reader'))).headers.get('x-cache')).toBe('hit');
  });

  it('keys entries by the client headers the header rules forward to subgraphs', async () => {
    const { gateway } = await start({}, { traffic: { all: { headers: { propagate: ['x-tenant'], propagateMatching: '^x-locale-' } } } });
    const query = '{ topProducts(first: 2) { upc name inStock } }';
    const post = (headers: Record<string, string>) => gateway.post(query, {}, headers);
    expect((await post({ 'x-tenant': 'acme' })).headers.get('x-cache')).toBe('miss');
    expect((await post({ 'x-tenant': 'acme' })).headers.get('x-cache')).toBe('hit');
    expect((await post({ 'x-tenant': 'evil' })).headers.get('x-cache')).toBe('miss');
    expect((await post({})).headers.get('x-cache')).toBe('miss');
    expect((await post({ 'x-tenant': 'acme', 'x-locale-region': 'eu' })).headers.get('x-cache')).toBe('miss');
    // A header no rule forwards does not split the entries.
    expect((await post({ 'x-tenant': 'acme', 'x-other': '1' })).headers.get('x-cache')).toBe('hit');
    const sent = subgraphs.subgraphs.find((s) => s.name === 'products')!.requests.at(-1)!.headers;
    expect(sent).toMatchObject({ 'x-tenant': 'acme', 'x-locale-region': 'eu' });
  });

  it('with engine.dedupe, stores a shared execution once, keyed as its fetches say (private stays private)', async () => {
    // defaultTtl would make an answer without fetch headers cacheable: the clients that only waited for
    // the shared execution saw no fetch, and must not store what they got as if every subgraph were silent.
    const { gateway, plugin } = await start({ defaultTtl: '60s' }, { engine: { dedupe: { enabled: true } } });
    products.setCacheControl('max-age=60, private');
    products.setDelay(150);
    const query = '{ topProducts(first: 5) { upc name inStock } }';
    const calls = subgraphCalls();
    const stores = plugin.stats().stores;
    const answers = await Promise.all([1, 2, 3].map(() => gateway.post(query, {}, as('alice'))));
    products.setDelay(0);
    expect(answers.map((a) => a.headers.get('x-cache'))).toEqual(['miss', 'miss', 'miss']);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(subgraphCalls() - calls).toBe(2);
    expect(plugin.stats().stores - stores).toBe(1);
    expect((await gateway.post(query, {}, as('bob'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query)).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query, {}, as('alice'))).headers.get('x-cache')).toBe('hit');
  });

  it('keys answers to a request with a principal by that principal unless every subgraph said public', async () => {
    const { gateway } = await start();
    const query = '{ topProducts(first: 3) { upc name inStock } }';
    expect((await gateway.post(query, {}, as('alice'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query, {}, as('bob'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query, {}, as('alice'))).headers.get('x-cache')).toBe('hit');
    products.setCacheControl('public, max-age=60');
    inventory.setCacheControl('public, max-age=60');
    const shared = '{ topProducts(first: 4) { upc name inStock } }';
    expect((await gateway.post(shared, {}, as('alice'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(shared, {}, as('bob'))).headers.get('x-cache')).toBe('hit');
    expect((await gateway.post(shared)).headers.get('x-cache')).toBe('hit');
  });

  // Issue 16, item 4: an anonymous request's entry, from subgraphs that sent `max-age=60` without
  // `public` and never saw an identity, was served with x-cache: hit to principals.
  it('never serves a principal an anonymous entry unless every subgraph said public', async () => {
    const { gateway } = await start();
    const query = '{ topProducts(first: 2) { upc name inStock } }';
    expect((await gateway.post(query)).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query)).headers.get('x-cache')).toBe('hit');
    const calls = subgraphCalls();
    const alice = await gateway.post(query, {}, as('alice'));
    expect(alice.headers.get('x-cache')).toBe('miss');
    expect(subgraphCalls()).toBeGreaterThan(calls);
    expect((await gateway.post(query, {}, as('alice'))).headers.get('x-cache')).toBe('hit');
    expect((await gateway.post(query, {}, as('bob'))).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(query)).headers.get('x-cache')).toBe('hit');
    products.setCacheControl('public, max-age=60');
    inventory.setCacheControl('public, max-age=60');
    const everyPublic = '{ topProducts(first: 1) { upc name inStock } }';
    expect((await gateway.post(everyPublic)).headers.get('x-cache')).toBe('miss');
    expect((await gateway.post(everyPublic, {}, as('alice'))).headers.get('x-cache')).toBe('hit');
  });

  it('lives as long as the smallest max-age and the gateway.yaml ttl entries; defaultTtl covers silent subgraphs (Redis)', async () => {
    const client = new Redis(redis.url);
    const ttlOfOnlyEntry = async () => {
      const keys = await client.keys('atrium:rc:e:*');
      expect(keys).toHaveLength(1);
      return client.pttl(keys[0]!);
    };
    try {
      await client.flushall();
      const { gateway } = await start({ store: 'redis', redisUrl: redis.url });
      inventory.setCacheControl('public, max-age=30');
      await gateway.post(TOP);
      const fromHeaders = await ttlOfOnlyEntry();
      expect(fromHeaders).toBeGreaterThan(20_000);
      expect(fromHeaders).toBeLessThanOrEqual(30_000);

      await client.flushall();
      const configured = (await start({ store: 'redis', redisUrl: redis.url, ttl: { 'Query.topProducts': '10s' } })).gateway;
      await configured.post(TOP);
      expect(await ttlOfOnlyEntry()).toBeLessThanOrEqual(10_000);

      await client.flushall();
      products.setCacheControl(undefined);
      inventory.setCacheControl(undefined);
      const silent = (await start({ store: 'redis', redisUrl: redis.url })).gateway;
      await silent.post(TOP);
      expect(await client.keys('atrium:rc:e:*')).toHaveLength(0);
      const withDefault = (await start({ store: 'redis', redisUrl: redis.url, defaultTtl: '5s' })).gateway;
      await withDefault.post(TOP);
      expect(await ttlOfOnlyEntry()).toBeLessThanOrEqual(5_000);
    } finally {
      client.disconnect();
    }
  });

  it('shares entries between replicas through Redis, and keeps serving (misses) while Redis is down', async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const one = (await start({ store: 'redis', redisUrl: redis.url })).gateway;
    const two = (await start({ store: 'redis', redisUrl: redis.url })).gateway;
    expect((await one.post(TOP)).headers.get('x-cache')).toBe('miss');
    const shared = await two.post(TOP);
    expect(shared.headers.get('x-cache')).toBe('hit');
    await redis.kill();
    const down = await two.post(TOP);
    expect(down.status).toBe(200);
    expect(down.headers.get('x-cache')).toBe('miss');
    expect(down.body.data.topProducts).toHaveLength(2);
    await redis.restart();
  });

  describe('admin purge', () => {
    const purge = (gateway: DemoGateway, body: unknown, token: string | null = TOKEN) =>
      fetch(new URL('/admin/cache/purge', gateway.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });

    it.each([['memory'], ['redis']])('purges by type and by entity key (%s store)', async (store) => {
      if (store === 'redis') {
        const client = new Redis(redis.url);
        await client.flushall();
        client.disconnect();
      }
      const { gateway, plugin } = await start(store === 'redis' ? { store, redisUrl: redis.url } : {});
      const top = (await gateway.post(TOP)).body.data.topProducts.map((p: { upc: string }) => p.upc);
      const ONE = `{ product(upc: "${['1001', '1002', '1003'].find((upc) => !top.includes(upc))}") { name inStock } }`;
      await gateway.post(ONE);

      const byKey = await purge(gateway, { type: 'Product', key: { upc: top[0] } });
      expect(byKey.status).toBe(200);
      expect(await byKey.json()).toEqual({ purged: 1 });
      expect((await gateway.post(TOP)).headers.get('x-cache')).toBe('miss');
      expect((await gateway.post(ONE)).headers.get('x-cache')).toBe('hit');

      expect(await (await purge(gateway, { type: 'Product' })).json()).toEqual({ purged: 2 });
      expect((await gateway.post(ONE)).headers.get('x-cache')).toBe('miss');
      expect(await (await purge(gateway, { all: true })).json()).toEqual({ purged: 1 });
      expect(plugin.stats().purged).toBe(4);
    });

    it('refuses a missing or wrong token (401), other methods (405) and bad bodies (400), as problem+json', async () => {
      const { gateway } = await start();
      for (const token of [null, 'wrong-token-0123456789']) {
        const response = await purge(gateway, { type: 'Product' }, token);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
      expect((await fetch(new URL('/admin/cache/purge', gateway.url))).status).toBe(405);
      for (const body of [[], { type: 'not a type!' }, { type: 'Product', key: {} }, { type: 'Product', key: { upc: { $gt: '' } } }]) {
        const response = await purge(gateway, body);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { detail: string }).detail).toEqual(expect.any(String));
      }
      const utf16 = await fetch(new URL('/admin/cache/purge', gateway.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-16', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ all: true }),
      });
      expect(utf16.status).toBe(415);
      expect(await utf16.json()).toMatchObject({ status: 415, detail: 'charset "utf-16" is not supported; send the JSON body in UTF-8' });
    });
  });
});
