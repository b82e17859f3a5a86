import { expect } from 'vitest';
import type { DemoGateway } from './demo-gateway.js';

/** 2 points, estimated and actual (the demo always has two top products). */
export const TWO_POINTS = '{ topProducts(first: 2) { upc } }';

/**
 * gateway.yaml of a demo gateway whose cost budget (40 points, a refill too slow to matter in a test)
 * lives in the given `quotaStore`, with /metrics on. The store timeout is generous: a take that times out
 * is admitted (`onStoreError: allow`), and on a loaded CI machine 100 concurrent takes on a cluster have
 * taken over 500 ms, which admitted one request per timeout beyond the budget.
 *
 * @example
 * const config = sharedBudgetConfig({ kind: 'redis', url: redis.url, keyPrefix: 'shared:' });
 */
export function sharedBudgetConfig(quotaStore: Record<string, unknown>): Record<string, unknown> {
  return {
    metrics: { enabled: true },
    cost: { budget: { default: { capacity: 40, restoreRate: 0.001 } } },
    quotaStore: { kind: 'redis', timeout: '5s', ...quotaStore },
  };
}

/**
 * The fleet property of a shared budget: 100 requests of 2 points, alternating between two gateways that
 * share one 40-point bucket, all in flight together, admit exactly 20 (two separate buckets would admit
 * 20 each), and every refusal is a 429 with rate-limit headers. Every take must have reached the store:
 * a failed one is admitted without spending, so the count alone would not say why it is off.
 *
 * @example
 * await expectExactSharedBudget(a, b);
 */
export async function expectExactSharedBudget(a: DemoGateway, b: DemoGateway): Promise<void> {
  const errorsBefore = (await quotaStoreErrors(a)) + (await quotaStoreErrors(b));
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).post(TWO_POINTS)));
  expect((await quotaStoreErrors(a)) + (await quotaStoreErrors(b)) - errorsBefore).toBe(0);
  expect(results.filter((r) => r.status === 200)).toHaveLength(20);
  expect(results.filter((r) => r.status === 429)).toHaveLength(80);
  const refused = results.find((r) => r.status === 429)!;
  expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** `atrium_quota_store_errors_total` as the gateway's /metrics reports it. */
export async function quotaStoreErrors(gateway: DemoGateway): Promise<number> {
  const text = await (await fetch(new URL('/metrics', gateway.url))).text();
  const line = text.split('\n').find((l) => l.startsWith('atrium_quota_store_errors_total'));
  return Number(line?.split(' ')[1] ?? 0);
}
