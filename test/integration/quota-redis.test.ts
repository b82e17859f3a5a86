import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../helpers/demo-gateway.js';
import { hashApiKey } from '../../gateway/plugins/auth/api-keys.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { expectExactSharedBudget, quotaStoreErrors as storeErrors, sharedBudgetConfig, TWO_POINTS } from '../helpers/shared-budget.js';

const redisConfig = (redis: TestRedis, onStoreError: 'allow' | 'deny', keyPrefix: string) =>
  sharedBudgetConfig({ url: redis.url, keyPrefix, onStoreError });

describe('cost budget in Redis', () => {
  let redis: TestRedis;
  let subgraphs: DemoSubgraphs;
  const gateways: DemoGateway[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await subgraphs?.close();
    await redis?.close();
  });

  it('two gateways sharing one Redis admit exactly the bucket capacity across both under concurrent load', async () => {
    const a = await startDemoGateway({ subgraphs, config: redisConfig(redis, 'allow', 'shared:') });
    const b = await startDemoGateway({ subgraphs, config: redisConfig(redis, 'allow', 'shared:') });
    gateways.push(a, b);
    await expectExactSharedBudget(a, b);
  });

  it('applies onStoreError while Redis is down (allow serves, deny answers 503), and enforces again once it is back', async () => {
    const allow = await startDemoGateway({ subgraphs, config: redisConfig(redis, 'allow', 'outage:') });
    const deny = await startDemoGateway({ subgraphs, config: redisConfig(redis, 'deny', 'outage:') });
    gateways.push(allow, deny);
    expect((await allow.post(TWO_POINTS)).status).toBe(200);

    await redis.kill();
    const errorsBefore = await storeErrors(allow);
    const served = await allow.post(TWO_POINTS);
    expect(served.status).toBe(200);
    expect(served.body.data.topProducts).toHaveLength(2);
    expect(served.body.extensions.cost).toEqual({ requestedQueryCost: 2, actualQueryCost: 2 });
    const denied = await deny.post(TWO_POINTS);
    expect(denied.status).toBe(503);
    expect(denied.body.errors[0].extensions.code).toBe('QUOTA_STORE_UNAVAILABLE');
    expect(denied.headers.get('retry-after')).toBe('1');
    // More than the bucket holds goes through the allowing gateway while Redis is down.
    for (let i = 0; i < 25; i += 1) expect((await allow.post(TWO_POINTS)).status).toBe(200);
    expect(await storeErrors(allow)).toBeGreaterThanOrEqual(errorsBefore + 26);
    expect(await storeErrors(deny)).toBeGreaterThanOrEqual(1);

    await redis.restart();
    // The client reconnects in the background; once it has, the (fresh) bucket is enforced again.
    await expect
      .poll(async () => (await deny.post(TWO_POINTS)).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await allow.post(TWO_POINTS)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
  });
});

describe('throttles of issue 16 in Redis: failed authentications, batches and malformed bodies', () => {
  let redis: TestRedis;
  let subgraphs: DemoSubgraphs;
  const gateways: DemoGateway[] = [];
  const API_KEY = 'redis-test-key-0123456789';
  const QUERY = '{ topProducts(first: 1) { upc } }';
  beforeAll(async () => {
    redis = await startRedis();
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await subgraphs?.close();
    await redis?.close();
  });
  const pair = async (rateLimit: Record<string, unknown>, keyPrefix: string) => {
    const config = {
      auth: { apiKeys: { keys: { bot: { hash: hashApiKey(API_KEY) } } } },
      rateLimit,
      limits: { maxBatchSize: 10 },
      quotaStore: { kind: 'redis', url: redis.url, keyPrefix, timeout: '5s' },
    };
    const a = await startDemoGateway({ subgraphs, config });
    const b = await startDemoGateway({ subgraphs, config });
    gateways.push(a, b);
    return [a, b] as const;
  };

  it('two replicas share the failed-authentication count and the lock-out', async () => {
    const [a, b] = await pair({ failedAuth: { max: 3, window: '1m' } }, 'auth:');
    const wrong = { 'x-api-key': 'wrong' };
    expect((await a.post(QUERY, {}, wrong)).status).toBe(401);
    expect((await b.post(QUERY, {}, wrong)).status).toBe(401);
    expect((await a.post(QUERY, {}, wrong)).status).toBe(401);
    const locked = await b.post(QUERY, {}, wrong);
    expect(locked.status).toBe(429);
    expect(locked.body.errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
    // The lock set through b holds on a, for the correct key too.
    const correct = await a.post(QUERY, {}, { 'x-api-key': API_KEY });
    expect(correct.status).toBe(429);
    expect(correct.body.errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
    expect(Number(correct.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('two replicas share one anonymous allowance, spent by a batch\'s operations and by malformed bodies', async () => {
    const [a, b] = await pair({ anonymous: { max: 4, window: '1m' } }, 'anonymous:');
    const post = (gateway: DemoGateway, body: string) =>
      fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(a, JSON.stringify([{ query: QUERY }, { query: QUERY }, { query: QUERY }]))).status).toBe(200);
    expect((await post(b, '{ broken')).status).toBe(400);
    const refused = await post(a, JSON.stringify({ query: QUERY }));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
