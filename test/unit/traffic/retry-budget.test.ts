import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../../gateway/traffic/retry-budget.js';

describe('RetryBudget', () => {
  it('allows retries up to the ratio of requests in the last 10 s, then again once the window moves on', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0 }, () => now);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
    now += 9_000;
    expect(budget.tryRetry()).toBe(false);
    now += 2_000;
    for (let i = 0; i < 5; i++) budget.recordRequest();
    expect([budget.tryRetry(), budget.tryRetry()]).toEqual([true, false]);
  });

  it('minPerSecond allows retries with little traffic', () => {
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 1 }, () => 0);
    const granted = Array.from({ length: 12 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(10);
  });
});
