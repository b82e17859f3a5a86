import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../request-context.js';
import type { SubgraphClient } from '../subgraph-client/types.js';

/**
 * Planner seam (DESIGN.md §4): turns a validated operation into a query plan. The Apollo planner is the
 * default backend; another planner (for example a native one) can implement this interface.
 */
export interface QueryPlannerBackend {
  plan(input: { document: DocumentNode; operationName: string | undefined }): QueryPlan;
}

/** Everything an executor needs to run one plan. Variables are already coerced against the API schema. */
export interface ExecutePlanInput {
  readonly plan: QueryPlan;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: RequestContext;
  readonly signal: AbortSignal;
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
