import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { callRest } from '../../helpers/rest-client.js';

// The real cost plugin from gateway.yaml: a REST call and its GraphQL twin are priced alike and paid from
// the same client bucket, and an empty bucket answers 429 with Retry-After through both doors.
const TOP = 'query Top($first: Int) { topProducts(first: $first) { upc name } }';
let demo: DemoGateway;

beforeAll(async () => {
  demo = await startDemoGateway({
    config: {
      // 25 points, refilling so slowly that the test cannot see it: 10 per call, so the third call waits.
      cost: { budget: { anonymous: { capacity: 25, restoreRate: 0.01 } } },
      rest: { routes: [{ path: '/top', operation: TOP }] },
    },
  });
});
afterAll(async () => demo?.close());

describe('REST behind the real cost plugin', () => {
  it('spends the same bucket as GraphQL and answers 429 with Retry-After through both doors', async () => {
    const first = await callRest(demo.url, 'GET', '/top?first=10');
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(10);
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    expect(remaining).toBeLessThan(25);

    const twin = await demo.post(TOP, { first: 10 });
    expect(twin.status).toBe(200);
    expect(twin.body.extensions.cost.requestedQueryCost).toBe(25 - remaining);
    expect(Number(twin.headers.get('x-ratelimit-remaining'))).toBeLessThan(remaining);

    const rest = await callRest(demo.url, 'GET', '/top?first=10');
    const graphql = await demo.post(TOP, { first: 10 });
    expect(rest.status).toBe(429);
    expect(graphql.status).toBe(429);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(graphql.headers.get('retry-after')).not.toBeNull();
    expect(rest.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
  });
});
