import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { startCacheControlProxy, type CacheControlProxy } from '../helpers/cache-control-proxy.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../helpers/demo-gateway.js';
import { GREETINGS, startGreetingsSubgraph } from '../helpers/greetings-subgraph.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { expectExactSharedBudget, quotaStoreErrors, sharedBudgetConfig, TWO_POINTS } from '../helpers/shared-budget.js';

// Every Redis-backed store on a real 3-master Redis Cluster (three redis-server processes joined by
// `redis-cli --cluster create`), through gateways running in this process.

const ADMIN_TOKEN = 'cluster-admin-token-0123456789';
const PURGE_TOKEN = 'cluster-purge-token-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

let cluster: TestRedisCluster;
let subgraphs: DemoSubgraphs;
let greetings: RunningSubgraph;
const gateways: DemoGateway[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  greetings = await startGreetingsSubgraph();
}, 60_000);
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await greetings?.close();
  await subgraphs?.close();
  await cluster?.close();
});

const start = async (config: Record<string, unknown>) => {
  const gateway = await startDemoGateway({ subgraphs, config });
  gateways.push(gateway);
  return gateway;
};
const onCluster = () => ({ cluster: { nodes: cluster.nodes } });

describe('Redis Cluster: every store', () => {
  it('two gateways sharing a cost budget in the cluster admit exactly the budget under concurrent load', async () => {
    const config = sharedBudgetConfig({ redis: onCluster(), keyPrefix: 'shared:' });
    const [a, b] = [await start(config), await start(config)];
    await expectExactSharedBudget(a, b);
  });

  it('shares APQ registrations between gateways', async () => {
    const config = { persistedDocuments: { apq: { store: 'redis', redis: onCluster() } } };
    const [one, two] = [await start(config), await start(config)];
    const query = '{ topProducts(first: 3) { upc } }';
    const hash = sha256(query);
    expect((await two.send({ ...persisted(hash) } as never)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    await one.send({ query, ...persisted(hash) } as never);
    // Apollo Server writes the registration without waiting for it; poll the other gateway.
    await expect.poll(async () => (await two.send({ ...persisted(hash) } as never)).body.data?.topProducts?.length, { timeout: 5_000 }).toBe(3);
  });

  it('shares response-cache entries between gateways, and purges by type and all (multi-key scripts, every master)', async () => {
    // Products (root fetch) and inventory (entity fetch: the entity tags a purge by key finds), answering
    // with a max-age the cache honours (Apollo Server alone sends no-store).
    const proxies: CacheControlProxy[] = [
      await startCacheControlProxy(subgraphs.urls.products!, 'public, max-age=60'),
      await startCacheControlProxy(subgraphs.urls.inventory!, 'public, max-age=60'),
    ];
    const config = {
      responseCache: { enabled: true, store: 'redis', redis: onCluster(), purgeToken: PURGE_TOKEN },
      traffic: { subgraphs: { products: { url: proxies[0]!.url }, inventory: { url: proxies[1]!.url } } },
    };
    const [one, two] = [await start(config), await start(config)];
    try {
      await sharesAndPurges(one, two);
    } finally {
      for (const proxy of proxies) await proxy.close();
    }
  });

  it('a schema published on one gateway goes live on the other (Lua compare-and-set, pub/sub across nodes)', async () => {
    const config = {
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      registry: { redis: onCluster(), pollInterval: '0s' },
    };
    const [a, b] = [await start(config), await start(config)];
    // Both replicas have subscribed (somewhere in the cluster) before the publish: polling is off, so only
    // the announcement, sent by the commit script on the keys' master, can bring b along.
    await expect.poll(() => cluster.subscribers('{atrium:registry:}changed'), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    const publish = await fetch(`${a.gateway.adminUrl}/subgraphs/greetings/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sdl: GREETINGS.v1, url: greetings.url, sourceName: 'greetings.graphql' }),
    });
    expect(publish.status).toBe(201);
    expect((await a.post('{ hello }')).body).toEqual({ data: { hello: 'hello' } });
    await expect.poll(async () => (await b.post('{ hello }')).body.data?.hello, { timeout: 15_000, interval: 100 }).toBe('hello');
  });
});

/** Entries written through `one` are hits on `two`; purges through `one` reach both (x-cache tells). */
async function sharesAndPurges(one: DemoGateway, two: DemoGateway): Promise<void> {
  const purge = async (body: unknown) => {
    const response = await fetch(new URL('/admin/cache/purge', one.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PURGE_TOKEN}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { purged: number }).purged;
  };
  const TOP = '{ topProducts(first: 2) { upc name inStock } }';
  const first = await one.post(TOP);
  expect(first.headers.get('x-cache')).toBe('miss');
  const shared = await two.post(TOP);
  expect(shared.headers.get('x-cache')).toBe('hit');
  expect(shared.body.data).toEqual(first.body.data);
  const top = first.body.data.topProducts.map((product: { upc: string }) => product.upc);
  const other = ['1001', '1002', '1003'].find((upc) => !top.includes(upc))!;
  const ONE = `{ product(upc: "${other}") { name inStock } }`;
  await two.post(ONE);
  expect((await one.post(ONE)).headers.get('x-cache')).toBe('hit');

  // The entity-key purge finds the TOP entry through its tag set, and only that one.
  expect(await purge({ type: 'Product', key: { upc: top[0] } })).toBe(1);
  expect((await two.post(TOP)).headers.get('x-cache')).toBe('miss');
  expect((await two.post(ONE)).headers.get('x-cache')).toBe('hit');
  expect(await purge({ all: true })).toBe(2);
  expect((await two.post(ONE)).headers.get('x-cache')).toBe('miss');
}

describe('Redis Cluster: one master restarted (no failover)', () => {
  it('applies onStoreError to the keys of the stopped master only, and enforces again once it is back', async () => {
    const downTag = await cluster.tagOn(1);
    const upTag = await cluster.tagOn(0);
    // Hash tags aim every bucket of each gateway at one master.
    const allow = await start(sharedBudgetConfig({ redis: onCluster(), keyPrefix: `${downTag}restart:`, onStoreError: 'allow' }));
    const deny = await start(sharedBudgetConfig({ redis: onCluster(), keyPrefix: `${downTag}restart:`, onStoreError: 'deny' }));
    const elsewhere = await start(sharedBudgetConfig({ redis: onCluster(), keyPrefix: `${upTag}restart:`, onStoreError: 'deny' }));
    expect((await deny.post(TWO_POINTS)).status).toBe(200);

    await cluster.stop(1);
    try {
      const errorsBefore = await quotaStoreErrors(allow);
      const served = await allow.post(TWO_POINTS);
      expect(served.status).toBe(200);
      expect(served.body.data.topProducts).toHaveLength(2);
      const denied = await deny.post(TWO_POINTS);
      expect(denied.status).toBe(503);
      expect(denied.body.errors[0].extensions.code).toBe('QUOTA_STORE_UNAVAILABLE');
      expect(denied.headers.get('retry-after')).toBe('1');
      // More than the bucket holds goes through the allowing gateway while its master is down.
      for (let i = 0; i < 24; i += 1) expect((await allow.post(TWO_POINTS)).status).toBe(200);
      expect(await quotaStoreErrors(allow)).toBeGreaterThanOrEqual(errorsBefore + 25);
      // Buckets on the other masters are still enforced: 20 of 2 points each fit in 40, the 21st does not.
      const statuses: number[] = [];
      for (let i = 0; i < 21; i += 1) statuses.push((await elsewhere.post(TWO_POINTS)).status);
      expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
      expect(statuses[20]).toBe(429);
    } finally {
      await cluster.start(1);
    }
    // The restarted master (same port, same nodes.conf, empty data) serves its slots again.
    await expect.poll(async () => (await deny.post(TWO_POINTS)).status, { timeout: 20_000, interval: 200 }).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await allow.post(TWO_POINTS)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
  });
});
