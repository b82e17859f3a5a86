import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { HotOperations } from '../../../gateway/engine/hot-operations.js';

const operation = (hash: string, operationName?: string) => ({ document: parse(`{ a_${hash.replace(/\W/g, '_')} }`), operationName, queryHash: hash });

describe('HotOperations', () => {
  it('lists the most-used operations first, counting hash and operation name as one key', () => {
    const hot = new HotOperations(10);
    for (let i = 0; i < 3; i++) hot.record(operation('x'));
    hot.record(operation('y'));
    for (let i = 0; i < 2; i++) hot.record(operation('x', 'Named'));
    expect(hot.top(2).map((op) => [op.queryHash, op.operationName])).toEqual([
      ['x', undefined],
      ['x', 'Named'],
    ]);
    expect(hot.size).toBe(3);
  });

  it('stays within its capacity by dropping the least used, so one-off operations do not push out hot ones', () => {
    const hot = new HotOperations(3);
    for (let i = 0; i < 5; i++) hot.record(operation('hot'));
    for (let i = 0; i < 2; i++) hot.record(operation('warm'));
    for (let i = 0; i < 50; i++) hot.record(operation(`once-${i}`));
    expect(hot.size).toBe(3);
    expect(hot.top(3).map((op) => op.queryHash)).toEqual(['hot', 'warm', 'once-49']);
  });

  it('holds at most maxBytes of query text, and no document over a sixteenth of it', () => {
    const sized = (hash: string, length: number) => ({ document: parse(`{ ${'a'.repeat(length - 4)} }`), operationName: undefined, queryHash: hash });
    const hot = new HotOperations(100, 16_000);
    for (let i = 0; i < 3; i++) hot.record(sized('hot', 1_000));
    hot.record(sized('too-big', 1_001));
    expect(hot.top(5).map((op) => op.queryHash)).toEqual(['hot']);
    for (let i = 0; i < 40; i++) hot.record(sized(`once-${i}`, 1_000));
    // 16 documents of 1,000 characters fill 16,000: the hot one stays, the oldest one-offs went.
    expect(hot.size).toBe(16);
    expect(hot.top(16).map((op) => op.queryHash)).toEqual(['hot', ...Array.from({ length: 15 }, (_, i) => `once-${25 + i}`)]);
  });

  it('records nothing with capacity 0', () => {
    const hot = new HotOperations(0);
    hot.record(operation('x'));
    expect(hot.top(5)).toEqual([]);
  });
});
