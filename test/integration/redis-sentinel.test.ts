import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../helpers/demo-gateway.js';
import { GREETINGS, startGreetingsSubgraph } from '../helpers/greetings-subgraph.js';
import { startRedisSentinel, type TestRedisSentinel } from '../helpers/redis-sentinel.js';
import { expectExactSharedBudget, sharedBudgetConfig } from '../helpers/shared-budget.js';

// Stores on a master found through a real Redis Sentinel (`redis-server --sentinel`): the gateway is given
// only the Sentinel's address and the master's name.

let sentinel: TestRedisSentinel;
let subgraphs: DemoSubgraphs;
let greetings: RunningSubgraph;
const gateways: DemoGateway[] = [];
const ADMIN_TOKEN = 'sentinel-admin-token-0123456789';

beforeAll(async () => {
  sentinel = await startRedisSentinel();
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  greetings = await startGreetingsSubgraph();
}, 30_000);
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await greetings?.close();
  await subgraphs?.close();
  await sentinel?.close();
});

const viaSentinel = () => ({ sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.sentinelPort }], name: sentinel.name } });
const start = async (config: Record<string, unknown>) => {
  const gateway = await startDemoGateway({ subgraphs, config });
  gateways.push(gateway);
  return gateway;
};

describe('Redis Sentinel', () => {
  it('two gateways find the master through the Sentinel and share one exact budget there', async () => {
    const redis = viaSentinel();
    const config = sharedBudgetConfig({ redis, keyPrefix: 'sentinel:', onStoreError: 'deny' });
    const [a, b] = [await start(config), await start(config)];
    await expectExactSharedBudget(a, b);
    // The buckets are on the master the Sentinel named, not anywhere else.
    const master = new Redis(sentinel.master.url);
    try {
      expect(await master.keys('sentinel:*')).not.toHaveLength(0);
    } finally {
      master.disconnect();
    }
  });

  it('shares APQ registrations and follows a publish through the registry, both on the master it names', async () => {
    const config = {
      persistedDocuments: { apq: { store: 'redis', redis: viaSentinel() } },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      registry: { redis: viaSentinel(), pollInterval: '200ms' },
    };
    const [a, b] = [await start(config), await start(config)];
    const query = '{ topProducts(first: 3) { upc } }';
    const persisted = { extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } };
    await a.send({ query, ...persisted } as never);
    await expect.poll(async () => (await b.send(persisted as never)).body.data?.topProducts?.length, { timeout: 5_000 }).toBe(3);

    const publish = await fetch(`${a.gateway.adminUrl}/subgraphs/greetings/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sdl: GREETINGS.v1, url: greetings.url, sourceName: 'greetings.graphql' }),
    });
    expect(publish.status).toBe(201);
    await expect.poll(async () => (await b.post('{ hello }')).body.data?.hello, { timeout: 10_000, interval: 100 }).toBe('hello');
    const master = new Redis(sentinel.master.url);
    try {
      expect(await master.get('atrium:registry:revision')).toBe('1');
    } finally {
      master.disconnect();
    }
  });
});
