import type { QueryPlan } from '@apollo/query-planner';
import { getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createEngine, estimatePlanBytes } from '../../../gateway/engine/engine.js';
import { LruCache } from '../../../gateway/engine/lru-cache.js';
import type { QueryPlannerBackend } from '../../../gateway/engine/planner-and-executor.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { benchSupergraphSdl } from '../../fixtures/bench-workload.js';

describe('LruCache', () => {
  it('returns what was set and counts hits and misses', () => {
    const cache = new LruCache<number>(2);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('drops the least recently used entry past its size, where a read counts as a use', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a'); // a is now the most recently used
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('bounded by weight, drops least recently used entries until the total fits, and keeps no entry heavier than the bound', () => {
    const cache = new LruCache<string>({ maxEntries: 100, maxWeight: 10, weigh: (value) => value.length });
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    cache.get('a'); // b is now the least recently used
    cache.set('c', 'ccc');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aaaa', undefined, 'ccc']);
    expect(cache.weight).toBe(7);
    cache.set('a', 'a'); // replacing an entry replaces its weight
    expect(cache.weight).toBe(4);
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect([cache.size, cache.weight]).toEqual([2, 4]);
    cache.clear();
    expect([cache.size, cache.weight]).toEqual([0, 0]);
  });

  it('keeps nothing with size 0, and clear() empties it', () => {
    const off = new LruCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
    const cache = new LruCache<number>(5);
    cache.set('a', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('the engine plan cache', () => {
  const supergraph = buildSupergraph(benchSupergraphSdl());
  const answered = { async fetch() { return { status: 200, headers: {}, body: { data: { me: null, topProducts: [] } } }; }, async close() {} };
  const context = { signal: new AbortController().signal } as RequestContext;

  /** A planner that counts its calls and returns an empty plan (nothing fetched). */
  function countingPlanner(): QueryPlannerBackend & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      plan({ document, operationName }) {
        calls.push(`${operationName ?? ''}:${print(document).length}`);
        return { kind: 'QueryPlan' } as QueryPlan;
      },
    };
  }

  const document = parse('query A { me { id } } query B { topProducts { upc } }');
  const request = (operationName: string, queryHash = 'hash-1') => ({
    document,
    operation: getOperationAST(document, operationName)!,
    rawVariables: {},
    queryHash,
    context,
  });

  it('plans an operation once and reuses the plan, per operation name', async () => {
    const planner = countingPlanner();
    const engine = createEngine({ supergraph, client: answered, planner });
    await engine.execute(request('A'));
    await engine.execute(request('A'));
    await engine.execute(request('B'));
    expect(planner.calls).toHaveLength(2);
    expect(engine.planCache.hits).toBe(1);
    expect(engine.planCache.size).toBe(2);
  });

  it('keys a document replaced by a plugin by its new text, not the original hash', async () => {
    const planner = countingPlanner();
    const stripped = parse('query A { me { __typename } }');
    const engine = createEngine({
      supergraph,
      client: answered,
      planner,
      hooks: [{ onOperation: ({ setDocument }) => setDocument(stripped) }],
    });
    await engine.execute(request('A'));
    await engine.execute(request('A', 'another-hash-same-result'));
    expect(planner.calls).toEqual([`A:${print(stripped).length}`]);
  });

  it('bounds the cache by the plans\' estimated bytes: a plan over planCacheMaxBytes is planned every time', async () => {
    const planner = countingPlanner();
    const plan = { kind: 'QueryPlan' } as QueryPlan;
    const engine = createEngine({ supergraph, client: answered, planner, planCacheMaxBytes: estimatePlanBytes(plan) - 1 });
    await engine.execute(request('A'));
    await engine.execute(request('A'));
    expect(planner.calls).toHaveLength(2);
    expect(engine.planCache.size).toBe(0);
    const roomy = createEngine({ supergraph, client: answered, planner: countingPlanner(), planCacheMaxBytes: estimatePlanBytes(plan) });
    await roomy.execute(request('A'));
    expect(roomy.planCache.weight).toBe(estimatePlanBytes(plan));
  });

  it('plans every time with planCacheSize 0', async () => {
    const planner = countingPlanner();
    const engine = createEngine({ supergraph, client: answered, planner, planCacheSize: 0 });
    await engine.execute(request('A'));
    await engine.execute(request('A'));
    expect(planner.calls).toHaveLength(2);
  });
});
