import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult, GraphQLError, OperationDefinitionNode } from 'graphql';
import type { StageEndHook } from './hooks.js';
import type { OverrideBand } from './progressive-override.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphClient, SubgraphResponse } from '../subgraph-client/contracts.js';

/**
 * Planner seam: turns a validated operation into a query plan. `hive-planner.ts` wraps Hive's native
 * planner (the default where it runs) and `apollo-planner.ts` Apollo's, behind this one interface.
 *
 * Plans are in Apollo's `QueryPlan` format, which Atrium's executor extends in two compatible ways (a
 * planner that uses neither, like Apollo's, produces plain Apollo plans):
 * - a Fetch node may carry an `entityBatch` (`EntityBatchFetchNode` in entity-batch-fetch.ts): one subgraph request with
 *   several aliased `_entities` selections, each over the objects at its own response paths;
 * - a path element (of a Flatten node or a batch entry) may end in a type condition, `@|[Product]` or
 *   `item|[Book,Movie]`: the value it reaches is only followed when its `__typename` satisfies one of the
 *   types. This is the form Apollo's planner itself writes with type-conditioned fetching.
 */
export interface QueryPlannerBackend {
  plan(input: PlanInput): QueryPlan;
  /**
   * The thresholds N of the supergraph's progressive `@override(label: "percent(N)")` that this planner
   * routes by (`override` of {@link PlanInput}); absent or empty: it routes by none (every such override
   * stays with its original subgraph), and the engine rolls nothing.
   */
  readonly overridePercentages?: readonly number[];
}

/** What a planner plans: one operation of a validated document, under one progressive-override band. */
export interface PlanInput {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /** The request's progressive-override band; absent: no `percent(N)` override is active. */
  readonly override?: OverrideBand;
}

/** Everything an executor needs to run one plan. Variables are already coerced against the API schema. */
export interface ExecutePlanInput {
  readonly plan: QueryPlan;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: RequestContext;
  readonly signal: AbortSignal;
  /** Set when a plugin times stages: call it when shaping begins, and what it returns when shaping ends. */
  readonly beginShape?: () => StageEndHook | undefined;
  /**
   * For a subscription plan (a `Subscription` node): one event its primary subscription delivered. The
   * executor merges it as the primary fetch's answer and runs the node's `rest` to complete it.
   */
  readonly subscriptionEvent?: SubgraphResponse['body'];
}

/**
 * Executor seam: runs a plan's fetches through the subgraph client and returns the response shaped to the
 * client's selection (null propagation, errors with paths). Atrium's own executor is the default; the
 * Apollo executor (`@apollo/gateway`'s executeQueryPlan) is selectable and is the differential tests' oracle.
 */
export interface PlanExecutor {
  execute(input: ExecutePlanInput): Promise<ExecutionResult>;
  /**
   * Runs a plan whose operation defers fragments (`@defer`): the fetches of the primary selection first,
   * answered as `initial`, then those of each defer level, answered as the `subsequent` payloads. An
   * executor without it answers such operations whole, through `execute`.
   */
  executeIncremental?(input: ExecutePlanInput): Promise<IncrementalExecution>;
}

/** An operation answered in parts (incremental delivery, `multipart/mixed; deferSpec=20220824`). */
export interface IncrementalExecution {
  /** The primary selection: every field outside deferred fragments. */
  readonly initial: ExecutionResult;
  /** The later payloads, the last with `hasNext: false`; absent when nothing was deferred. */
  readonly subsequent?: AsyncGenerator<IncrementalPayload, undefined, undefined>;
}

/** One later payload: the deferred fragments that completed together. */
export interface IncrementalPayload {
  readonly incremental: IncrementalPart[];
  readonly hasNext: boolean;
}

/** One deferred fragment on one object: its data (null when an error nulled it) at `path`. */
export interface IncrementalPart {
  data: Record<string, unknown> | null;
  readonly path: readonly (string | number)[];
  readonly label?: string;
  errors?: GraphQLError[];
}

/** Builds an executor for one supergraph version. */
export type PlanExecutorFactory = (options: { client: SubgraphClient }) => PlanExecutor;
