import type { QueryPlan } from '@apollo/query-planner';
import { getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../gateway/engine/engine.js';
import { estimatePlanBytes } from '../../../gateway/engine/plan-cache-keys.js';
import type { QueryPlannerBackend } from '../../../gateway/engine/planner-and-executor.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { benchSupergraphSdl } from '../../fixtures/bench-workload.js';

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
