import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';

/** `latestReviews { author { reviews { author { ... id } } } }`: `depth` fields deep, every level crossing subgraphs. */
function alternating(depth: number): string {
  let selection = 'id';
  for (let i = depth - 1; i >= 1; i--) selection = `${i % 2 ? 'author' : 'reviews'} { ${selection} }`;
  return `{ latestReviews { ${selection} } }`;
}

/**
 * Issue 16, item 1 ("no other path is super-linear"): an operation within every limit (depth 60 of 100,
 * 60 selections) that the Hive planner's parser refuses was handed to Apollo's planner, whose time is
 * exponential in the nesting of entity boundaries: the event loop blocked for minutes and the heap ran out.
 * Such a refusal is now the client's answer (400), never a fallback and never a 500.
 */
describe('planner refusals', () => {
  let gateway: DemoGateway;
  beforeAll(async () => {
    gateway = await startDemoGateway();
  });
  afterAll(async () => gateway?.close());

  it('an operation nested past the Hive parser\'s limit -> 400 QUERY_PLANNING_FAILED, not a fallback to Apollo\'s planner', async () => {
    const before = Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await gateway.post(alternating(60));
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toMatchObject({
      message: 'the operation nests too deeply for the query planner',
      extensions: { code: 'QUERY_PLANNING_FAILED' },
    });
    expect(Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
  });

  it('the same shape within the parser\'s limit is planned and answered', async () => {
    const result = await gateway.post(alternating(6));
    expect(result.status).toBe(200);
    expect(result.body.data.latestReviews.length).toBeGreaterThan(0);
  });
});
