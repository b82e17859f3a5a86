import { AtriumError } from '../errors.js';
import type { ApolloExecutorOptions } from './apollo-executor.js';
import { contextArgumentFields } from './context-arguments.js';
import { createApolloPlanner } from './apollo-planner.js';
import type { EngineOptions, Engine } from './engine.js';
import { createHivePlanner } from './hive-planner.js';
import type { ExplainedPlan, ExplainingPlanner } from './planner-fallback.js';
import type { PlanExecutor, QueryPlannerBackend } from './planner-and-executor.js';

/**
 * The planner backend `options.planner` names. `auto` takes Hive's planner (fewer subgraph requests, faster
 * planning) wherever it can run. With the apollo executor (which does not run batched entity fetches) it
 * is Apollo's, by configuration. On a platform without the native binary, or for a supergraph the Hive
 * planner refuses (see createHivePlanner), `auto` plans with Apollo's too, and that is a fallback: logged
 * at startup and counted for every operation so planned (`supergraphFallback`).
 */
export function createPlanner({ planner = 'auto', supergraph, executor, logger, fallbackMaxSelections }: EngineOptions): {
  planner: QueryPlannerBackend;
  name: Engine['plannerName'];
  supergraphFallback?: ExplainedPlan['fallback'];
} {
  if (typeof planner === 'object') return { planner, name: 'custom' };
  if (executor === 'apollo' && contextArgumentFields(supergraph.sdl).size > 0) {
    // @apollo/gateway's executeQueryPlan ignores contextRewrites: it would send every @fromContext argument as null.
    throw new AtriumError('INTERNAL_SERVER_ERROR', 'engine.executor "apollo" does not pass @fromContext arguments (this supergraph uses @context); use engine.executor "atrium"');
  }
  const apollo = () => ({ planner: createApolloPlanner(supergraph.supergraph), name: 'apollo' as const });
  if (planner === 'apollo' || (planner === 'auto' && executor === 'apollo')) return apollo();
  if (executor === 'apollo') {
    // Apollo's executor does not run batched entity fetches.
    throw new AtriumError('INTERNAL_SERVER_ERROR', 'engine.planner "hive" needs engine.executor "atrium"');
  }
  try {
    const hive = createHivePlanner({
      supergraphSdl: supergraph.sdl,
      fallback: () => createApolloPlanner(supergraph.supergraph),
      apiSchema: supergraph.apiSchema,
      ...(fallbackMaxSelections !== undefined && { fallbackMaxSelections }),
    });
    return { planner: hive, name: 'hive' };
  } catch (error) {
    if (planner === 'hive' || !(error instanceof AtriumError)) throw error;
    logger?.warn({ reason: error.message }, 'engine: planner auto: the hive planner cannot plan this supergraph here; planning with the apollo planner');
    return { ...apollo(), supergraphFallback: { reason: 'supergraph-unsupported', detail: error.message } };
  }
}

export function isExplaining(planner: QueryPlannerBackend): planner is QueryPlannerBackend & ExplainingPlanner {
  return typeof (planner as Partial<ExplainingPlanner>).explain === 'function';
}

/**
 * `@apollo/gateway` (with its protobuf, node-fetch and telemetry dependencies) is only loaded when its
 * executor is chosen: loading it took about a third of the gateway's start-up.
 */
export function lazyApolloExecutor(options: ApolloExecutorOptions): PlanExecutor {
  let executor: Promise<PlanExecutor> | undefined;
  return {
    async execute(input) {
      executor ??= import('./apollo-executor.js').then((module) => module.createApolloExecutor(options));
      return (await executor).execute(input);
    },
  };
}
