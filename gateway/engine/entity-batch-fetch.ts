import type { FetchDataRewrite, FetchNode, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';

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
