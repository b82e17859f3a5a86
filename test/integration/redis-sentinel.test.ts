import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../helpers/demo-gateway.js';
import { startRedisSentinel, type TestRedisSentinel } from '../helpers/redis-sentinel.js';
import { expectExactSharedBudget, sharedBudgetConfig } from '../helpers/shared-budget.js';

// Stores on a master found through a real Redis Sentinel (`redis-server --sentinel`): the gateway is given
// only the Sentinel's address and the master's name.

let sentinel: TestRedisSentinel;
let subgraphs: DemoSubgraphs;
const gateways: DemoGateway[] = [];

beforeAll(async () => {
  sentinel = await startRedisSentinel();
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
}, 30_000);
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await subgraphs?.close();
  await sentinel?.close();
});

describe('Redis Sentinel', () => {
  it('two gateways find the master through the Sentinel and share one exact budget there', async () => {
    const redis = { sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.sentinelPort }], name: sentinel.name } };
    const config = sharedBudgetConfig({ redis, keyPrefix: 'sentinel:', onStoreError: 'deny' });
    const a = await startDemoGateway({ subgraphs, config });
    const b = await startDemoGateway({ subgraphs, config });
    gateways.push(a, b);
    await expectExactSharedBudget(a, b);
    // The buckets are on the master the Sentinel named, not anywhere else.
    const master = new Redis(sentinel.master.url);
    try {
      expect(await master.keys('sentinel:*')).not.toHaveLength(0);
    } finally {
      master.disconnect();
    }
  });
});
