import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoGateway, startDemoGateway } from '../helpers/demo-gateway.js';

// engine.maxConcurrentOperations through the whole gateway: with one slot, concurrent requests queue
// and every one of them is still answered in full.
describe('engine.maxConcurrentOperations', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ config: { engine: { maxConcurrentOperations: 1 } } });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('answers every one of 8 concurrent operations when only one may run at a time', async () => {
    const query = '{ topProducts(first: 2) { name inStock reviews { rating author { username } } } }';
    const results = await Promise.all(Array.from({ length: 8 }, () => demo.post(query)));
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.topProducts).toHaveLength(2);
    }
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });
});
