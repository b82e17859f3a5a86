import type { QueryPlan } from '@apollo/query-planner';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  getVariableValues,
  type OperationDefinitionNode,
} from 'graphql';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EngineHooks, OperationHookPayload, PlanHookPayload, ResponseHookPayload, StageEndHook } from './hooks.js';
import { stageHooksOf } from './stage-hooks.js';
import type { RequestContext } from '../request-context.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';
import type { SubgraphClient } from '../subgraph-client/contracts.js';
import { createAtriumExecutor } from './atrium-executor.js';
import { LruCache } from './lru-cache.js';
import { type PlannerFallbacks, plannerFallbacks } from './planner-fallbacks.js';
import type { ExplainedPlan, PlannerFallbackReason } from './planner-fallback.js';
import { createPlanner, isExplaining, lazyApolloExecutor } from './plan-backends.js';
import { reservedResponseKeys, withInternalAliases } from './internal-aliases.js';
import { estimatePlanBytes, planCacheKey, replacedDocumentHash } from './plan-cache-keys.js';
import { type ExecutionSharingHeaders, SharedExecutions } from './shared-executions.js';
import { type EventSource, SharedEventCompletion } from './subscription-events.js';
import { subscriptionSharingKey } from './subscription-sharing-key.js';
import { deferUsage, withoutDeferDirectives } from './defer-operation.js';
import { deliverIncrementally, type IncrementalResponse } from './incremental-response.js';
import type { PlanExecutor, PlanInput, QueryPlannerBackend } from './planner-and-executor.js';
import { overrideBands } from './progressive-override.js';
import type { SubgraphErrorMapper } from './subgraph-errors.js';

/** The `early` errors of the many operations that have none (a subscription keeps its own for as long as it lives). */
const NO_ERRORS: readonly GraphQLError[] = Object.freeze([]);

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
  /** Largest operation (field selections) Apollo's planner plans in place of Hive's; 0: no bound. Default 100. */
  readonly fallbackMaxSelections?: number;
  readonly logger?: Logger;
  /** Called for every operation planned by Apollo's planner in place of Hive's (the gateway's metric). */
  readonly countPlannerFallback?: (reason: PlannerFallbackReason) => void;
  /**
   * The per-request roll of progressive `@override(label: "percent(N)")`: a value in [0, 1), times 100
   * (see progressive-override.ts). Default Math.random; tests pass a fixed or counting source.
   */
  readonly overrideRandom?: () => number;
  /** What of subgraphs' errors reaches clients (the atrium executor). Default: message, path, `code`, `serviceName`. */
  readonly subgraphError?: SubgraphErrorMapper;
  /**
   * Whether subscriptions whose root field this subgraph serves share the completion of each event among
   * clients with the same sharing key (subscription-sharing-key.ts). Default: never (each client completes
   * its own); the gateway passes `traffic.*.dedupeSubscriptions`.
   */
  readonly shareSubscriptionEvents?: (subgraph: string) => boolean;
  /**
   * Inbound deduplication: identical queries in flight share one execution (shared-executions.ts), with
   * these headers telling requests apart. Default: off; the gateway passes `engine.dedupe`.
   */
  readonly dedupe?: { readonly headers?: ExecutionSharingHeaders };
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
  /**
   * Plans an operation (no cache, no plugins) and says which planner made the plan: `atrium plan`.
   * Without `override`, no progressive override is active.
   */
  explainPlan(operation: PlanInput): ExplainedPlan;
  execute(request: OperationRequest): Promise<ExecutionResult>;
  /**
   * Runs an operation for a client that accepts incremental delivery: when it defers fragments
   * (`@defer`), the primary selection is answered first and each deferred fragment later (see
   * incremental-response.ts); otherwise, or when refused, one result as `execute` gives.
   */
  executeIncremental(request: OperationRequest): Promise<ExecutionResult | IncrementalResponse>;
  /**
   * Runs a subscription operation: the same hooks and planning as `execute`, then one upstream
   * subscription (the plan's primary fetch, over the subgraph client) whose every event is completed
   * through the plan's `rest` and shaped. Returns the events, or one result when the operation was refused
   * before it subscribed. The events end with an error naming the subgraph when the subgraph fails;
   * `return()` closes the upstream subscription.
   */
  subscribe(request: OperationRequest): Promise<ExecutionResult | AsyncGenerator<ExecutionResult, undefined, undefined>>;
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
  const overrides = overrideBands({ thresholds: planner.overridePercentages ?? [], random: options.overrideRandom });
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
  const sharedEvents = new SharedEventCompletion();
  const sharedExecutions = options.dedupe ? new SharedExecutions(options.dedupe.headers) : undefined;

  // Atrium's executor plans with client aliases named like supergraph fields renamed (internal-aliases.ts);
  // Apollo's executor runs Apollo's plans as they are.
  const reserved = options.executor === 'apollo' ? undefined : reservedResponseKeys(supergraphSchema);
  const explainPlan = (operation: PlanInput): ExplainedPlan => {
    // Planners plan the whole operation: neither is asked to split deferred fragments (docs/defer.md).
    const document = withoutDeferDirectives(operation.document);
    const input = { ...operation, document: reserved ? withInternalAliases(document, reserved) : document };
    if (supergraphFallback) return { plan: planner.plan(input), planner: 'apollo', fallback: supergraphFallback };
    if (isExplaining(planner)) return planner.explain(input);
    return { plan: planner.plan(input), planner: plannerName };
  };
  const buildPlan = (input: PlanInput, cacheKey: string): QueryPlan => {
    const { operationName } = input;
    let explained: ExplainedPlan;
    try {
      explained = explainPlan(input);
    } catch (cause) {
      if (cause instanceof AtriumError) throw cause;
      logger?.error({ err: cause, operationName }, 'plan: the query planner failed');
      throw new AtriumError('QUERY_PLANNING_FAILED', 'the query planner could not plan this operation', { cause });
    }
    if (explained.fallback) fallbacks.record({ key: cacheKey, operationName, ...explained.fallback });
    return explained.plan;
  };
  const plan = (input: PlanInput, cacheKey: string, end?: StageEndHook): QueryPlan => {
    const cached = planCache.get(cacheKey);
    if (cached) {
      end?.({ attributes: { cacheHit: true } });
      return cached;
    }
    let built: QueryPlan;
    try {
      built = buildPlan(input, cacheKey);
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
      // Not through plan(): warming is no cache lookup, and must not count as misses. Every band is
      // warmed: the next requests may roll any of them.
      for (const override of overrides.all) {
        const key = planCacheKey(queryHash, operationName, override);
        planCache.set(key, buildPlan({ document, operationName, override }, key));
      }
    },
    async execute(request) {
      if (request.operation.operation === 'subscription') return subscriptionOverHttp(supergraph);
      const prepared = await prepare(request);
      if (prepared.kind === 'answer') return prepared.result;
      try {
        const result = prepared.answered ?? (await executeWhole(request, prepared));
        return await respond(request.context, prepared.early, result);
      } catch (error) {
        if (error instanceof AtriumError) return { errors: [toGraphQLError(error, { decidesStatus: true })] };
        throw error;
      }
    },
    async executeIncremental(request) {
      if (request.operation.operation === 'subscription') return subscriptionOverHttp(supergraph);
      const prepared = await prepare(request);
      if (prepared.kind === 'answer') return prepared.result;
      const { context } = request;
      try {
        if (prepared.answered || !executor.executeIncremental || !deferUsage(prepared.document).defers) {
          const result = prepared.answered ?? await executor.execute(executeInput(context, prepared, true));
          return await respond(context, prepared.early, result);
        }
        const run = await executor.executeIncremental(executeInput(context, prepared, false));
        if (!run.subsequent) return await respond(context, prepared.early, run.initial);
        return await deliverIncrementally({
          run: { initial: run.initial, subsequent: run.subsequent },
          early: prepared.early,
          respond: (result, early, hasNext) => respond(context, early, result, hasNext),
        });
      } catch (error) {
        if (error instanceof AtriumError) return { errors: [toGraphQLError(error, { decidesStatus: true })] };
        throw error;
      }
    },
    async subscribe(request) {
      const { context } = request;
      if (options.executor === 'apollo' || !client.subscribe) {
        const reason = options.executor === 'apollo' ? 'engine.executor "apollo" does not run subscriptions' : 'this gateway has no subscription transport to subgraphs';
        return { errors: [toGraphQLError(new AtriumError('SUBSCRIPTIONS_NOT_SUPPORTED', reason), { decidesStatus: true })] };
      }
      const prepared = await prepare(request);
      if (prepared.kind === 'answer') return prepared.result;
      const node = prepared.queryPlan.node;
      if (node?.kind !== 'Subscription') {
        return { errors: [toGraphQLError(new AtriumError('QUERY_PLANNING_FAILED', 'the planner did not plan this subscription as one'), { decidesStatus: true })] };
      }
      const primary = node.primary;
      const source: EventSource = {
        open: (signal) =>
          client.subscribe!(
            {
              subgraph: primary.serviceName,
              url: supergraph.subgraphs.get(primary.serviceName)?.url ?? '',
              operationKind: 'subscription',
              body: { query: primary.operation, operationName: primary.operationName, variables: pickVariables(prepared.variables, primary.variableUsages) },
              headers: {},
            },
            { context, signal },
          ),
        complete: async (event, signal) => {
          try {
            const result = await executor.execute({ ...executeInput(context, prepared, true), signal, subscriptionEvent: event });
            return await respond(context, prepared.early, result);
          } catch (error) {
            if (error instanceof AtriumError) return { errors: [toGraphQLError(error)] };
            throw error;
          }
        },
      };
      // Clients whose completions would be identical share them (subscription-sharing-key.ts); the first
      // client's context completes the group's events, under the group's signal, not the client's.
      const key =
        !prepared.answered && options.shareSubscriptionEvents?.(primary.serviceName)
          ? subscriptionSharingKey({ plan: prepared.queryPlan, operationName: request.operation.name?.value, variables: prepared.variables, early: prepared.early, context })
          : undefined;
      try {
        const events = await sharedEvents.join(key, source);
        // A transport that aborts the operation without return() still takes the client off its group.
        context.signal.addEventListener('abort', () => void events.return(), { once: true });
        return events;
      } catch (error) {
        if (error instanceof AtriumError) return { errors: [toGraphQLError(error, { decidesStatus: true })] };
        throw error;
      }
    },
  };

  /**
   * Everything before execution: coerce the variables, run the operation hooks (authorization may
   * replace the document), plan (plan cache), run the plan hooks. A rejection is the answer.
   */
  async function prepare(request: OperationRequest): Promise<Prepared | { kind: 'answer'; result: ExecutionResult }> {
    const { context, operation } = request;
    const operationName = operation.name?.value;
    const coerced = getVariableValues(supergraph.apiSchema, operation.variableDefinitions ?? [], {
      ...request.rawVariables,
    }, { maxErrors: 20 });
    if (coerced.errors) {
      return {
        kind: 'answer',
        result: {
          errors: coerced.errors.map(
            (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }),
          ),
        },
      };
    }
    const variables = coerced.coerced;
    if (deferUsage(request.document).streams) {
      const error = new AtriumError('STREAM_NOT_SUPPORTED', '@stream is not supported by this gateway; select the whole list, or @defer a fragment');
      return { kind: 'answer', result: { errors: [toGraphQLError(error, { decidesStatus: true })] } };
    }
    const early: GraphQLError[] = [];
    // The stage in progress, ended with the error if one ends the request.
    let endStage: StageEndHook | undefined;
    try {
      let document = request.document;
      let documentReplaced = false;
      endStage = beginStage?.(context, 'authorize');
      // One payload for every hook of the stage, and a hook that answered synchronously is not awaited:
      // no object, closure or microtask per plugin per request.
      const operationPayload: Mutable<OperationHookPayload> = {
        context,
        queryHash: request.queryHash,
        supergraph,
        document,
        operation,
        operationName,
        variables,
        setDocument(next) {
          document = next;
          operationPayload.document = next;
          documentReplaced = true;
        },
        addError(error, path) {
          early.push(toGraphQLError(error, { path }));
        },
        reject: throwRejection,
      };
      for (const plugin of operationHooks) {
        const pending = plugin.onOperation!(operationPayload);
        if (pending) await pending;
      }
      // A plugin may replace the document (for example with unauthorized fields removed): its plan is
      // keyed by the new text, so two principals who see different fields never share a plan.
      const cacheKey = documentReplaced ? replacedDocumentHash(document) : request.queryHash;
      const activeOperation = documentReplaced ? operationOf(document, operationName) : operation;
      endStage?.();
      endStage = undefined;
      // One roll per request: every field of a percent(N) override moves together for this request.
      const override = overrides.roll();
      // The whole operation is planned, deferred fragments included: one plan, one cost estimate.
      const whole = wholeOperation(document, activeOperation);
      const planKey = planCacheKey(cacheKey, operationName, override);
      const queryPlan = plan({ document: whole.document, operationName, override }, planKey, beginStage?.(context, 'plan'));
      let answered: ExecutionResult | undefined;
      const planPayload: PlanHookPayload = {
        context,
        supergraph,
        plan: queryPlan,
        document: whole.document,
        operation: whole.operation,
        variables,
        reject: throwRejection,
        respond(result) {
          answered ??= result;
        },
      };
      for (const plugin of planHooks) {
        const pending = plugin.onPlan!(planPayload);
        if (pending) await pending;
      }
      return { kind: 'prepared', document, operation: activeOperation, variables, queryPlan, planKey, early: early.length > 0 ? early : NO_ERRORS, answered };
    } catch (error) {
      endStage?.({ error });
      if (error instanceof AtriumError) return { kind: 'answer', result: { errors: [toGraphQLError(error, { decidesStatus: true })] } };
      throw error;
    }
  }

  /** Executes the operation in one result; a query joins an identical one in flight (`engine.dedupe`). */
  function executeWhole(request: OperationRequest, prepared: Prepared): Promise<ExecutionResult> {
    const { context } = request;
    if (!sharedExecutions || request.operation.operation !== 'query') return executor.execute(executeInput(context, prepared, true));
    const key = sharedExecutions.key(context, prepared.planKey, prepared.variables);
    return sharedExecutions.run(key, context, (signal) => executor.execute({ ...executeInput(context, prepared, true), signal }));
  }

  /** `whole`: the operation with `@defer` removed (answered in one result); else as the client wrote it. */
  function executeInput(context: RequestContext, prepared: Prepared, whole: boolean) {
    const { document, operation } = whole ? wholeOperation(prepared.document, prepared.operation) : prepared;
    return {
      plan: prepared.queryPlan,
      document,
      operation,
      variables: prepared.variables,
      context,
      signal: context.signal,
      ...(beginStage && { beginShape: () => beginStage(context, 'shape') }),
    };
  }

  /** Adds the errors of the operation hooks to the executor's result and runs the response hooks. */
  async function respond(context: RequestContext, early: readonly GraphQLError[], result: ExecutionResult, hasNext?: boolean): Promise<ExecutionResult> {
    const errors = early.length > 0 ? [...early, ...(result.errors ?? [])] : result.errors;
    // The executor's extensions stay: the apollo executor reports completion errors that follow no failed
    // fetch in `extensions.valueCompletion`, and dropping them hid why a field came back null.
    const response: ExecutionResult = errors?.length
      ? { ...result, errors }
      : { data: result.data, ...(result.extensions && { extensions: result.extensions }) };
    if (responseHooks.length === 0) return response;
    const payload: ResponseHookPayload = {
      context,
      result: response,
      ...(hasNext !== undefined && { hasNext }),
      setExtension(key, value) {
        (response as { extensions?: Record<string, unknown> }).extensions = { ...response.extensions, [key]: value };
      },
      setData(data) {
        (response as { data?: ExecutionResult['data'] }).data = data;
      },
    };
    for (const plugin of responseHooks) {
      const pending = plugin.onResponse!(payload);
      if (pending) await pending;
    }
    return response;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A hook's `reject`: the error ends the stage (caught where the stage's errors become the answer). */
function throwRejection(error: AtriumError): never {
  throw error;
}

/** An operation ready to execute: what the hooks and the planner made of the request. */
interface Prepared {
  readonly kind: 'prepared';
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly queryPlan: QueryPlan;
  /** The plan's cache key: the document after the operation hooks, the operation name, the override roll. */
  readonly planKey: string;
  /** Errors the operation hooks added (removed fields); every response of the operation carries them. */
  readonly early: readonly GraphQLError[];
  /** A plan hook's answer (response cache hit): no execution. */
  readonly answered: ExecutionResult | undefined;
}

/** A subscription sent as a plain POST/GET. */
function subscriptionOverHttp(supergraph: LoadedSupergraph): ExecutionResult {
  const error = supergraph.apiSchema.getSubscriptionType()
    ? transportRequired()
    : new AtriumError('SUBSCRIPTIONS_NOT_SUPPORTED', 'the supergraph has no Subscription type');
  return { errors: [toGraphQLError(error, { decidesStatus: true })] };
}

/** The operation with every `@defer` removed (the same objects when it has none). */
function wholeOperation(document: DocumentNode, operation: OperationDefinitionNode): { document: DocumentNode; operation: OperationDefinitionNode } {
  const stripped = withoutDeferDirectives(document);
  return stripped === document ? { document, operation } : { document: stripped, operation: operationOf(stripped, operation.name?.value) };
}

function transportRequired(): AtriumError {
  return new AtriumError(
    'SUBSCRIPTION_TRANSPORT_REQUIRED',
    'subscriptions are served over GraphQL over WebSocket (graphql-transport-ws), SSE (Accept: text/event-stream) or multipart HTTP (Accept: multipart/mixed;subscriptionSpec=1.0), not plain POST/GET',
  );
}

function pickVariables(variables: Readonly<Record<string, unknown>>, names: readonly string[] | undefined): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names ?? []) if (variables[name] !== undefined) picked[name] = variables[name];
  return picked;
}

function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition' && (operationName === undefined || definition.name?.value === operationName)) {
      return definition;
    }
  }
  throw new AtriumError('OPERATION_NOT_FOUND', `no operation named "${operationName}" in the replaced document`);
}
