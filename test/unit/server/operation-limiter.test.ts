import { describe, expect, it } from 'vitest';
import { OperationLimiter } from '../../../gateway/server/operation-limiter.js';

const open = () => new AbortController().signal;

describe('OperationLimiter', () => {
  it('admits up to max at once and the rest in arrival order as slots free up', async () => {
    const limiter = new OperationLimiter(2);
    expect(limiter.acquire(open())).toBeUndefined();
    expect(limiter.acquire(open())).toBeUndefined();
    const order: string[] = [];
    const third = limiter.acquire(open())!.then(() => order.push('third'));
    const fourth = limiter.acquire(open())!.then(() => order.push('fourth'));
    expect(limiter.load).toEqual({ active: 2, waiting: 2 });
    limiter.release();
    await third;
    expect(order).toEqual(['third']);
    limiter.release();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(limiter.load).toEqual({ active: 2, waiting: 0 });
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const limiter = new OperationLimiter(1);
    limiter.acquire(open());
    const gone = new AbortController();
    const waiting = limiter.acquire(gone.signal)!;
    gone.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(limiter.load).toEqual({ active: 1, waiting: 0 });
    limiter.release();
    expect(limiter.load).toEqual({ active: 0, waiting: 0 });
  });

  it('admits everything with max 0', () => {
    const limiter = new OperationLimiter(0);
    for (let i = 0; i < 100; i++) expect(limiter.acquire(open())).toBeUndefined();
  });
});
