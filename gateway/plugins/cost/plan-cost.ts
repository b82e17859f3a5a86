import type { FetchNode, PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { type DocumentNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { fragmentsOf, SelectionCostScorer, type SelectionCostOptions } from './selection-cost.js';
import { type EntityBatchFetchNode, isEntityBatchFetch } from '../../engine/entity-batch-fetch.js';

/** An estimate and whether the request's variables went into it. */
export interface CostEstimate {
  readonly cost: number;
  /** False when the same plan always costs the same, whatever the variables: the number may be cached. */
  readonly usesVariables: boolean;
}

/** Demand control's surcharge for a mutation (Apollo Router's number). */
export const MUTATION_BASE_COST = 10;

const fetchDocuments = new WeakMap<FetchNode, DocumentNode>();

/**
 * Estimated cost of a query plan: 10 for a mutation, plus the cost of every fetch's selections scored
 * against the supergraph schema. An entity fetch counts its selections once per entity it is expected to
 * fetch (the number of objects the earlier fetches put at its path), and not the entity objects again
 * (their weight was counted where they were first selected); so the estimate of a plan equals the estimate
 * of the operation, plus what the planner adds (`@requires` inputs). Throws `COST_QUERY_PARSE_FAILURE` when
 * a list misses its required slicing argument. Pure.
 *
 * @example
 * estimatePlanCost(plan, 'query', { costSchema, variables: {}, defaultListSize: 10 }); // { cost: 40, usesVariables: false }
 */
export function estimatePlanCost(plan: QueryPlan, operationKind: string, options: SelectionCostOptions): CostEstimate {
  const scorer = new SelectionCostScorer(options);
  const base = operationKind === 'mutation' ? MUTATION_BASE_COST : 0;
  const cost = plan.node ? nodeCost(plan.node, scorer, options, undefined) : 0;
  return { cost: bounded(base + cost), usesVariables: scorer.usesVariables };
}

/**
 * Estimated cost of an operation scored directly against the supergraph schema, without a plan (what a
 * single-service GraphQL server would estimate). The plan estimate equals it for plans without `@requires`.
 *
 * @example
 * estimateOperationCost(operation, document, { costSchema, variables: {}, defaultListSize: 10 }).cost; // 8
 */
export function estimateOperationCost(operation: OperationDefinitionNode, document: DocumentNode, options: SelectionCostOptions): CostEstimate {
  const scorer = new SelectionCostScorer(options);
  const root = options.costSchema.schema.getRootType(operation.operation);
  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  const cost = root ? scorer.selectionSetCost(operation.selectionSet, root, fragmentsOf(document.definitions), { path: '', count: 1 }) : 0;
  return { cost: bounded(base + cost), usesVariables: scorer.usesVariables };
}

/**
 * Nested lists multiply: `first: 2147483647` three levels deep is past 2^53. Such an estimate is only ever
 * compared and reported, so it is held at the largest exact integer (never Infinity, which JSON and
 * Redis cannot carry).
 */
function bounded(cost: number): number {
  return Number.isFinite(cost) ? Math.min(cost, Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
}

function nodeCost(node: PlanNode | SubscriptionNode, scorer: SelectionCostScorer, options: SelectionCostOptions, entityPath: string | undefined): number {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      // In plan order: an entity fetch always comes after the fetches that put its entities in place.
      return node.nodes.reduce((sum, child) => sum + nodeCost(child, scorer, options, entityPath), 0);
    case 'Flatten':
      return nodeCost(node.node, scorer, options, pathKey(node.path));
    case 'Fetch':
      return isEntityBatchFetch(node) ? batchFetchCost(node, scorer, options) : fetchCost(node, scorer, options, entityPath);
    case 'Condition': {
      scorer.usesVariables = true;
      const branch = options.variables[node.condition] === true ? node.ifClause : node.elseClause;
      return branch ? nodeCost(branch, scorer, options, entityPath) : 0;
    }
    case 'Defer':
      return (
        (node.primary.node ? nodeCost(node.primary.node, scorer, options, entityPath) : 0) +
        node.deferred.reduce((sum, deferred) => sum + (deferred.node ? nodeCost(deferred.node, scorer, options, entityPath) : 0), 0)
      );
    case 'Subscription':
      return nodeCost(node.primary, scorer, options, entityPath) + (node.rest ? nodeCost(node.rest, scorer, options, entityPath) : 0);
  }
}

function fetchCost(fetch: FetchNode, scorer: SelectionCostScorer, options: SelectionCostOptions, entityPath: string | undefined): number {
  const document = documentOf(fetch);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return 0;
  const fragments = fragmentsOf(document.definitions);
  const { schema } = options.costSchema;
  if (entityPath === undefined) {
    const root = schema.getRootType(operation.operation);
    return root ? scorer.selectionSetCost(operation.selectionSet, root, fragments, { path: '', count: 1 }) : 0;
  }
  return entitiesCost(operation, fragments, scorer, options, { entityPath });
}

/**
 * A batched entity fetch (`engine.planner: hive`): each aliased `_entities` selection counts as one entity
 * fetch per path of its batch entry, as the Flatten nodes it replaces would.
 */
function batchFetchCost(fetch: EntityBatchFetchNode, scorer: SelectionCostScorer, options: SelectionCostOptions): number {
  const document = documentOf(fetch);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return 0;
  const fragments = fragmentsOf(document.definitions);
  let total = 0;
  for (const entry of fetch.entityBatch) {
    for (const path of entry.paths) total += entitiesCost(operation, fragments, scorer, options, { entityPath: pathKey(path), alias: entry.alias });
  }
  return total;
}

/**
 * `_entities(representations:)` selections (only the one answering as `alias` when given): their
 * selections are `... on Entity { ... }`, each scored per entity expected at `entityPath`.
 */
function entitiesCost(
  operation: OperationDefinitionNode,
  fragments: ReturnType<typeof fragmentsOf>,
  scorer: SelectionCostScorer,
  options: SelectionCostOptions,
  { entityPath, alias }: { entityPath: string; alias?: string },
): number {
  const { schema } = options.costSchema;
  const entities = scorer.multipliers.get(entityPath) ?? fallbackCount(entityPath, options.defaultListSize);
  let total = 0;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || !selection.selectionSet) continue;
    if (alias !== undefined && (selection.alias?.value ?? selection.name.value) !== alias) continue;
    for (const inner of selection.selectionSet.selections) {
      const fragment = inner.kind === Kind.INLINE_FRAGMENT ? inner : inner.kind === Kind.FRAGMENT_SPREAD ? fragments.get(inner.name.value) : undefined;
      const type = fragment?.typeCondition && schema.getType(fragment.typeCondition.name.value);
      if (!fragment || !type) continue;
      total += entities * scorer.selectionSetCost(fragment.selectionSet, type, fragments, { path: entityPath, count: entities });
    }
  }
  return total;
}

function documentOf(fetch: FetchNode): DocumentNode {
  if (fetch.operationDocumentNode) return fetch.operationDocumentNode;
  let document = fetchDocuments.get(fetch);
  if (!document) {
    document = parse(fetch.operation, { noLocation: true });
    fetchDocuments.set(fetch, document);
  }
  return document;
}

/** A flatten path as the scorer keys paths: response names and `@` for list levels, type conditions dropped. */
function pathKey(path: readonly (string | number)[]): string {
  const parts: string[] = [];
  for (const element of path) {
    const text = String(element);
    if (text.startsWith('... on ')) continue;
    const condition = text.indexOf('|[');
    parts.push(condition === -1 ? text : text.slice(0, condition));
  }
  return parts.join('/');
}

/** Only for a path no earlier fetch produced (it should not happen): each list level counts the default size. */
function fallbackCount(path: string, defaultListSize: number): number {
  return path.split('/').reduce((count, part) => (part === '@' ? count * defaultListSize : count), 1);
}
