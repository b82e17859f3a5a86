import type { FetchDataRewrite, FetchNode, QueryPlan, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { StageEndHook } from './hooks.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphClient } from '../subgraph-client/types.js';

/**
 * Planner seam (DESIGN.md §4): turns a validated operation into a query plan. The Apollo planner is the
 * default backend; `hive-planner.ts` wraps Hive's native planner behind the same interface.
 *
 * Plans are in Apollo's `QueryPlan` format, which Atrium's executor extends in two compatible ways (a
 * planner that uses neither, like Apollo's, produces plain Apollo plans):
 * - a Fetch node may carry an `entityBatch` ({@link EntityBatchFetchNode}): one subgraph request with
 *   several aliased `_entities` selections, each over the objects at its own response paths;
 * - a path element (of a Flatten node or a batch entry) may end in a type condition, `@|[Product]` or
 *   `item|[Book,Movie]`: the value it reaches is only followed when its `__typename` satisfies one of the
 *   types. This is the form Apollo's planner itself writes with type-conditioned fetching.
 */
export interface QueryPlannerBackend {
  plan(input: { document: DocumentNode; operationName: string | undefined }): QueryPlan;
}

/**
 * One aliased `_entities` selection of an {@link EntityBatchFetchNode}: the objects at `paths` (from the
 * response root) are turned into representations by `requires` and sent in the variable
 * `representationsVariable`; the answer's list under `alias` merges back into them in order.
 */
export interface EntityBatchEntry {
  /** Response key of this `_entities` selection in the subgraph's answer, e.g. `_e0`. */
  readonly alias: string;
  /** The operation variable that carries this entry's representations, e.g. `__batch_reps_0`. */
  readonly representationsVariable: string;
  readonly paths: readonly ResponsePath[];
  readonly requires: readonly QueryPlanSelectionNode[];
  readonly inputRewrites?: readonly FetchDataRewrite[];
  readonly outputRewrites?: readonly FetchDataRewrite[];
}

/**
 * A Fetch node that loads entities for several places of the response in one subgraph request. It has no
 * `requires` of its own (each entry has one) and is not nested in a Flatten node: its entries carry paths.
 * To a plugin walking the plan it is what it is: one fetch from `serviceName`.
 */
export interface EntityBatchFetchNode extends FetchNode {
  readonly entityBatch: readonly EntityBatchEntry[];
}

/** Whether a Fetch node is a batched entity fetch. */
export function isEntityBatchFetch(fetch: FetchNode): fetch is EntityBatchFetchNode {
  return (fetch as Partial<EntityBatchFetchNode>).entityBatch !== undefined;
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
}

/**
 * Executor seam: runs a plan's fetches through the subgraph client and returns the response shaped to the
 * client's selection (null propagation, errors with paths). Atrium's own executor is the default; the
 * Apollo executor (`@apollo/gateway`'s executeQueryPlan) is selectable and is the differential tests' oracle.
 */
export interface PlanExecutor {
  execute(input: ExecutePlanInput): Promise<ExecutionResult>;
}

/** Builds an executor for one supergraph version. */
export type PlanExecutorFactory = (options: { client: SubgraphClient }) => PlanExecutor;
