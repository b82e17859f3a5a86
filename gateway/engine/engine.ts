import { createHash } from 'node:crypto';
import type { QueryPlan } from '@apollo/query-planner';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  getVariableValues,
  type OperationDefinitionNode,
  print,
} from 'graphql';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EngineHooks, StageEndHook } from './hooks.js';
import { stageHooksOf } from './stage-hooks.js';
import type { RequestContext } from '../request-context.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';
import type { SubgraphClient } from '../subgraph-client/contracts.js';
import type { ApolloExecutorOptions } from './apollo-executor.js';
import { createApolloPlanner } from './apollo-planner.js';
import { createAtriumExecutor } from './atrium-executor.js';
import { createHivePlanner } from './hive-planner.js';
import { LruCache } from './lru-cache.js';
import { type PlannerFallbacks, plannerFallbacks } from './planner-fallbacks.js';
import type { ExplainedPlan, ExplainingPlanner, PlannerFallbackReason } from './planner-fallback.js';
import type { PlanExecutor, QueryPlannerBackend } from './planner-and-executor.js';
import type { SubgraphErrorMapper } from './subgraph-errors.js';

export interface EngineOptions {
  readonly supergraph: LoadedSupergraph;
  readonly client: SubgraphClient;
  /** The hooks that run around planning and execution, in order (a gateway passes its plugins). */
  readonly hooks?: readonly EngineHooks[];
  /** Plans kept per supergraph version (LRU). Default 1000. */
  readonly planCacheSize?: number;
  /** Most estimated bytes of plans kept per supergraph version (see estimatePlanBytes). Default 64 MiB. */
  readonly planCacheMaxBytes?: number;
  /** `atrium` (default) or `apollo` (`@apollo/gateway`'s executor, for comparison). */
  readonly executor?: 'atrium' | 'apollo';
  /**
   * The planner: `auto` (default: `hive` where it can run, else `apollo`), `apollo`, `hive` (Hive's native
   * planner, which batches entity fetches; needs the `atrium` executor), or any backend of the planner seam.
   */
  readonly planner?: PlannerChoice | QueryPlannerBackend;
  readonly logger?: Logger;
  /** Called for every operation planned by Apollo's planner in place of Hive's (the gateway's metric). */
  readonly countPlannerFallback?: (reason: PlannerFallbackReason) => void;
  /** What of subgraphs' errors reaches clients (the atrium executor). Default: message, path, `code`, `serviceName`. */
  readonly subgraphError?: SubgraphErrorMapper;
}

/** One validated operation, as the GraphQL-over-HTTP layer hands it over. */
export interface OperationRequest {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly rawVariables: Readonly<Record<string, unknown>> | undefined;
  /** Hash of the query text (the document cache's key); keys the plan cache. */
  readonly queryHash: string;
  readonly context: RequestContext;
}

/** The planners `engine.planner` names. */
export type PlannerChoice = 'auto' | 'apollo' | 'hive';

/** Everything that runs operations against one supergraph version. A hot reload builds a new one. */
export interface Engine {
  readonly supergraph: LoadedSupergraph;
  /** The planner that plans this supergraph's operations (`custom` for a backend passed in). */
  readonly plannerName: 'apollo' | 'hive' | 'custom';
  readonly planCache: LruCache<QueryPlan>;
  /** Operations planned by Apollo's planner although Hive's is this engine's planner, by reason. */
  readonly plannerFallbacks: Readonly<Record<string, number>>;
  /** Plans an operation (no cache, no plugins) and says which planner made the plan: `atrium plan`. */
  explainPlan(operation: { document: DocumentNode; operationName: string | undefined }): ExplainedPlan;
  execute(request: OperationRequest): Promise<ExecutionResult>;
  /**
   * Plans an operation into the plan cache without running it, under the key `execute` would use; a hot
   * reload warms a new engine with the busiest operations before swapping to it. Throws
   * `QUERY_PLANNING_FAILED` when the planner cannot plan it.
   */
  preparePlan(operation: { document: DocumentNode; operationName: string | undefined; queryHash: string }): void;
}

/**
 * Builds the engine for one supergraph: planner, plan cache and executor, with the plugin stages
 * around them (operation hooks before planning, plan hooks after it, response hooks at the end).
 *
 * @example
 * const engine = createEngine({ supergraph: buildSupergraph(sdl), client });
 * const result = await engine.execute({ document, operation, rawVariables, queryHash, context });
 */
export function createEngine(options: EngineOptions): Engine {
  const { supergraph, client, logger } = options;
  const hooks = options.hooks ?? [];
  const { planner, name: plannerName, supergraphFallback } = createPlanner(options);
  const fallbacks: PlannerFallbacks = plannerFallbacks({ logger, count: options.countPlannerFallback });
  const planCache = new LruCache<QueryPlan>({
    maxEntries: options.planCacheSize ?? 1000,
    maxWeight: options.planCacheMaxBytes ?? 64 * 1024 * 1024,
    weigh: estimatePlanBytes,
  });
  const supergraphSchema = supergraph.supergraph.schema.toGraphQLJSSchema();
  const executor: PlanExecutor =
    options.executor === 'apollo'
      ? lazyApolloExecutor({
          apiSchema: supergraph.apiSchema,
          federationApiSchema: supergraph.supergraph.apiSchema(),
          supergraphSchema,
          subgraphs: supergraph.subgraphs,
          client,
        })
      : createAtriumExecutor({
          apiSchema: supergraph.apiSchema,
          supergraphSchema,
          subgraphs: supergraph.subgraphs,
          client,
          logger,
          ...(options.subgraphError && { subgraphError: options.subgraphError }),
        });
  const operationHooks = hooks.filter((p) => p.onOperation);
  const planHooks = hooks.filter((p) => p.onPlan);
  const responseHooks = hooks.filter((p) => p.onResponse);
  const beginStage = stageHooksOf(hooks);

  const explainPlan = ({ document, operationName }: { document: DocumentNode; operationName: string | undefined }): ExplainedPlan => {
    if (supergraphFallback) return { plan: planner.plan({ document, operationName }), planner: 'apollo', fallback: supergraphFallback };
    if (isExplaining(planner)) return planner.explain({ document, operationName });
    return { plan: planner.plan({ document, operationName }), planner: plannerName };
  };
  const buildPlan = (document: DocumentNode, operationName: string | undefined, cacheKey: string): QueryPlan => {
    let explained: ExplainedPlan;
    try {
      explained = explainPlan({ document, operationName });
    } catch (cause) {
      if (cause instanceof AtriumError) throw cause;
      logger?.error({ err: cause, operationName }, 'plan: the query planner failed');
      throw new AtriumError('QUERY_PLANNING_FAILED', 'the query planner could not plan this operation', { cause });
    }
    if (explained.fallback) fallbacks.record({ key: cacheKey, operationName, ...explained.fallback });
    return explained.plan;
  };
  const plan = (document: DocumentNode, operationName: string | undefined, cacheKey: string, end?: StageEndHook): QueryPlan => {
    const cached = planCache.get(cacheKey);
    if (cached) {
      end?.({ attributes: { cacheHit: true } });
      return cached;
    }
    let built: QueryPlan;
    try {
      built = buildPlan(document, operationName, cacheKey);
    } catch (error) {
      end?.({ error: error as AtriumError, attributes: { cacheHit: false } });
      throw error;
    }
    end?.({ attributes: { cacheHit: false } });
    planCache.set(cacheKey, built);
    return built;
  };

  return {
    supergraph,
    plannerName,
    planCache,
    get plannerFallbacks() {
      return fallbacks.counts();
    },
    explainPlan,
    preparePlan({ document, operationName, queryHash }) {
      // Not through plan(): warming is no cache lookup, and must not count as misses.
      const key = `${queryHash}\u0000${operationName ?? ''}`;
      planCache.set(key, buildPlan(document, operationName, key));
    },
    async execute(request) {
      const { context, operation } = request;
      const operationName = operation.name?.value;
      // Subscriptions are not served yet: refuse them before the planner (which fails on them with a stack).
      if (operation.operation === 'subscription') {
        const error = new AtriumError('SUBSCRIPTION_NOT_SUPPORTED', supergraph.apiSchema.getSubscriptionType()
          ? 'this gateway does not serve subscription operations yet'
          : 'the supergraph has no subscription type');
        return { errors: [toGraphQLError(error, { decidesStatus: true })] };
      }
      const coerced = getVariableValues(supergraph.apiSchema, operation.variableDefinitions ?? [], {
        ...request.rawVariables,
      }, { maxErrors: 20 });
      if (coerced.errors) {
        return {
          errors: coerced.errors.map(
            (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }),
          ),
        };
      }
      const variables = coerced.coerced;
      const early: GraphQLError[] = [];
      // The stage in progress, ended with the error if one ends the request.
      let endStage: StageEndHook | undefined;
      try {
        let document = request.document;
        let documentReplaced = false;
        endStage = beginStage?.(context, 'authorize');
        for (const plugin of operationHooks) {
          await plugin.onOperation!({
            context,
            queryHash: request.queryHash,
            supergraph,
            document,
            operation,
            operationName,
            variables,
            setDocument(next) {
              document = next;
              documentReplaced = true;
            },
            addError(error, path) {
              early.push(toGraphQLError(error, { path }));
            },
            reject(error) {
              throw error;
            },
          });
        }
        // A plugin may replace the document (for example with unauthorized fields removed): its plan is
        // keyed by the new text, so two principals who see different fields never share a plan.
        const cacheKey = documentReplaced ? replacedDocumentHash(document) : request.queryHash;
        const activeOperation = documentReplaced ? operationOf(document, operationName) : operation;
        endStage?.();
        endStage = undefined;
        const queryPlan = plan(document, operationName, `${cacheKey}\u0000${operationName ?? ''}`, beginStage?.(context, 'plan'));
        let answered: ExecutionResult | undefined;
        for (const plugin of planHooks) {
          await plugin.onPlan!({
            context,
            supergraph,
            plan: queryPlan,
            document,
            operation: activeOperation,
            variables,
            reject(error) {
              throw error;
            },
            respond(result) {
              answered ??= result;
            },
          });
        }
        const result = answered ?? await executor.execute({
          plan: queryPlan,
          document,
          operation: activeOperation,
          variables,
          context,
          signal: context.signal,
          ...(beginStage && { beginShape: () => beginStage(context, 'shape') }),
        });
        const errors = early.length > 0 ? [...early, ...(result.errors ?? [])] : result.errors;
        // The executor's extensions stay: the apollo executor reports completion errors that follow no failed
        // fetch in `extensions.valueCompletion`, and dropping them hid why a field came back null.
        const response: ExecutionResult = errors?.length
          ? { ...result, errors }
          : { data: result.data, ...(result.extensions && { extensions: result.extensions }) };
        for (const plugin of responseHooks) {
          await plugin.onResponse!({
            context,
            result: response,
            setExtension(key, value) {
              (response as { extensions?: Record<string, unknown> }).extensions = { ...response.extensions, [key]: value };
            },
            setData(data) {
              (response as { data?: ExecutionResult['data'] }).data = data;
            },
          });
        }
        return response;
      } catch (error) {
        endStage?.({ error });
        if (error instanceof AtriumError) return { errors: [toGraphQLError(error, { decidesStatus: true })] };
        throw error;
      }
    },
  };
}

/**
 * The planner backend `options.planner` names. `auto` takes Hive's planner (fewer subgraph requests, faster
 * planning) wherever it can run. With the apollo executor (which does not run batched entity fetches) it
 * is Apollo's, by configuration. On a platform without the native binary, or for a supergraph the Hive
 * planner refuses (see createHivePlanner), `auto` plans with Apollo's too, and that is a fallback: logged
 * at startup and counted for every operation so planned (`supergraphFallback`).
 */
function createPlanner({ planner = 'auto', supergraph, executor, logger }: EngineOptions): {
  planner: QueryPlannerBackend;
  name: Engine['plannerName'];
  supergraphFallback?: ExplainedPlan['fallback'];
} {
  if (typeof planner === 'object') return { planner, name: 'custom' };
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
    });
    return { planner: hive, name: 'hive' };
  } catch (error) {
    if (planner === 'hive' || !(error instanceof AtriumError)) throw error;
    logger?.warn({ reason: error.message }, 'engine: planner auto: the hive planner cannot plan this supergraph here; planning with the apollo planner');
    return { ...apollo(), supergraphFallback: { reason: 'supergraph-unsupported', detail: error.message } };
  }
}

function isExplaining(planner: QueryPlannerBackend): planner is QueryPlannerBackend & ExplainingPlanner {
  return typeof (planner as Partial<ExplainingPlanner>).explain === 'function';
}

/**
 * Heap bytes a cached plan is estimated to hold: its JSON length times {@link PLAN_BYTES_PER_JSON_CHAR}.
 * Entry counts alone do not bound the cache's memory: a plan grows with its operation (hundreds of fields
 * are within the operation limits), and a thousand distinct large ones would all be kept.
 */
export function estimatePlanBytes(plan: QueryPlan): number {
  try {
    return JSON.stringify(plan).length * PLAN_BYTES_PER_JSON_CHAR;
  } catch {
    return UNMEASURABLE_PLAN_BYTES;
  }
}

/**
 * Heap held per JSON character of a plan, rounded up from the largest ratio `bench/plan-bytes.mjs`
 * measured (BENCHMARKS.md, "Plan cache memory"): an over-estimate keeps the byte bound safe.
 */
const PLAN_BYTES_PER_JSON_CHAR = 8;
/** A plan that cannot be serialised (it never happens with either planner) counts as a large one. */
const UNMEASURABLE_PLAN_BYTES = 1024 * 1024;

/**
 * `@apollo/gateway` (with its protobuf, node-fetch and telemetry dependencies) is only loaded when its
 * executor is chosen: loading it took about a third of the gateway's start-up.
 */
function lazyApolloExecutor(options: ApolloExecutorOptions): PlanExecutor {
  let executor: Promise<PlanExecutor> | undefined;
  return {
    async execute(input) {
      executor ??= import('./apollo-executor.js').then((module) => module.createApolloExecutor(options));
      return (await executor).execute(input);
    },
  };
}

/**
 * Plan-cache key of a document a plugin put in place. Plugins that filter per principal hand back the same
 * document object for the same operation and principal facts, so it is printed and hashed once, not per request.
 */
const replacedDocumentHashes = new WeakMap<DocumentNode, string>();
function replacedDocumentHash(document: DocumentNode): string {
  let hash = replacedDocumentHashes.get(document);
  if (hash === undefined) {
    hash = createHash('sha256').update(print(document)).digest('hex');
    replacedDocumentHashes.set(document, hash);
  }
  return hash;
}

function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition' && (operationName === undefined || definition.name?.value === operationName)) {
      return definition;
    }
  }
  throw new AtriumError('OPERATION_NOT_FOUND', `no operation named "${operationName}" in the replaced document`);
}
