import type {
  FetchDataRewrite,
  FetchNode,
  PlanNode,
  QueryPlan,
  QueryPlanSelectionNode,
  ResponsePath,
  SubscriptionNode,
} from '@apollo/query-planner';
import type * as Hive from '@graphql-hive/router-query-planner';
import type { OperationTypeNode } from 'graphql';
import type { PlannerFallbackReason } from './planner-fallback.js';
import { responseKeyConflict } from './response-key-conflicts.js';
import type { EntityBatchEntry, EntityBatchFetchNode } from './entity-batch-fetch.js';

/**
 * A Hive plan uses something whose meaning Atrium's executor does not know for certain; the operation is
 * then planned by another planner rather than executed on a guess.
 */
export class UnsupportedHivePlanError extends Error {
  override readonly name = 'UnsupportedHivePlanError';

  constructor(
    message: string,
    /** The fallback reason this refusal is counted under. */
    readonly reason: Extract<PlannerFallbackReason, 'unsupported-plan' | 'response-key-conflict'> = 'unsupported-plan',
  ) {
    super(message);
  }
}

/**
 * Converts a plan of `@graphql-hive/router-query-planner` into the plan format Atrium's executor runs
 * (Apollo's, with the extensions described in `types.ts`). Pure and done once per plan (plans are
 * cached). What differs in Hive's format:
 * - Flatten path segments are objects: `{ Field }`, `"@"`, and `{ TypeCondition: [...] }`, which becomes
 *   a `|[A,B]` condition on the preceding element;
 * - rewrites are `{ ValueSetter }` / `{ KeyRenamer }` (or `{ kind: 'ValueSetter' }`) with
 *   `{ Key }` / `{ TypenameEquals: [...] }` path segments; a condition naming several types becomes one
 *   rewrite per type (a value has one `__typename`, and setting or renaming twice changes nothing);
 * - `BatchFetch` nodes become Fetch nodes with an `entityBatch`.
 * Refused with {@link UnsupportedHivePlanError}: requires with a `FragmentSpread` or `skipIf`/`includeIf`,
 * `Defer` nodes, a Parallel node holding more than one mutation fetch, and a fetch whose operation gives one response key to two different
 * fields (the planner added a key field under a name the client aliased to another field; the subgraph
 * would refuse the operation).
 *
 * @example
 * const plan = convertHivePlan(hivePlanner.plan(query, undefined, new Set(), 0));
 */
export function convertHivePlan(plan: Hive.QueryPlan): QueryPlan {
  if (!plan.node) return { kind: 'QueryPlan' };
  if (plan.node.kind === 'Subscription') {
    const subscription: SubscriptionNode = { kind: 'Subscription', primary: convertFetch(plan.node.primary) };
    return { kind: 'QueryPlan', node: subscription };
  }
  const subscription = convertSubscriptionSequence(plan.node);
  if (subscription) return { kind: 'QueryPlan', node: subscription };
  return { kind: 'QueryPlan', node: convertNode(plan.node) };
}

/**
 * Hive's planner has no `rest` on its Subscription node: a subscription whose events need other
 * subgraphs is planned as `Sequence [Subscription { primary }, ...the fetches of each event]`. Apollo's
 * form, which the engine runs, puts those fetches in the node's `rest` (run once per event).
 */
function convertSubscriptionSequence(node: Hive.PlanNode): SubscriptionNode | undefined {
  if (node.kind !== 'Sequence' || node.nodes[0]?.kind !== 'Subscription') return undefined;
  const [first, ...after] = node.nodes as [Hive.SubscriptionNode, ...Hive.PlanNode[]];
  const rest = after.length === 1 ? convertNode(after[0]!) : { kind: 'Sequence' as const, nodes: after.map(convertNode) };
  return { kind: 'Subscription', primary: convertFetch(first.primary), ...(after.length > 0 && { rest }) };
}

function convertNode(node: Hive.PlanNode): PlanNode {
  switch (node.kind) {
    case 'Sequence':
      return { kind: 'Sequence', nodes: node.nodes.map(convertNode) };
    case 'Parallel':
      // Mutation root fields run one after the other (spec: "executed serially"); never trust a plan that
      // could run two mutation fetches at once.
      if (node.nodes.reduce((count, child) => count + mutationFetches(child), 0) > 1) {
        throw new UnsupportedHivePlanError('mutation fetches in parallel');
      }
      return { kind: 'Parallel', nodes: node.nodes.map(convertNode) };
    case 'Flatten':
      return { kind: 'Flatten', path: convertPath(node.path), node: convertNode(node.node) };
    case 'Condition':
      return {
        kind: 'Condition',
        condition: node.condition,
        ...(node.ifClause && { ifClause: convertNode(node.ifClause) }),
        ...(node.elseClause && { elseClause: convertNode(node.elseClause) }),
      };
    case 'Fetch':
      return convertFetch(node);
    case 'BatchFetch':
      return convertBatchFetch(node);
    default:
      throw new UnsupportedHivePlanError(`plan node kind ${node.kind}`);
  }
}

function mutationFetches(node: Hive.PlanNode | undefined): number {
  if (!node) return 0;
  switch (node.kind) {
    case 'Fetch':
    case 'BatchFetch':
      return node.operationKind === 'mutation' ? 1 : 0;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.reduce((count, child) => count + mutationFetches(child), 0);
    case 'Flatten':
      return mutationFetches(node.node);
    case 'Condition':
      return mutationFetches(node.ifClause) + mutationFetches(node.elseClause);
    default:
      return 0;
  }
}

function fetchBase(node: Hive.FetchNode | Hive.BatchFetchNode): FetchNode {
  const conflict = responseKeyConflict(node.operation);
  if (conflict) throw new UnsupportedHivePlanError(`the fetch from ${node.serviceName} selects two fields as ${conflict}`, 'response-key-conflict');
  return {
    kind: 'Fetch',
    serviceName: node.serviceName,
    operation: node.operation,
    operationName: node.operationName,
    operationKind: (node.operationKind ?? 'query') as OperationTypeNode,
    ...(node.variableUsages?.length && { variableUsages: node.variableUsages }),
  };
}

function convertFetch(node: Hive.FetchNode): FetchNode {
  return {
    ...fetchBase(node),
    ...(node.requires && { requires: node.requires.map(convertSelection) }),
    ...(node.inputRewrites?.length && { inputRewrites: convertRewrites(node.inputRewrites) }),
    ...(node.outputRewrites?.length && { outputRewrites: convertRewrites(node.outputRewrites) }),
  };
}

function convertBatchFetch(node: Hive.BatchFetchNode): EntityBatchFetchNode {
  const entityBatch = node.entityBatch.aliases.map(
    (alias): EntityBatchEntry => ({
      alias: alias.alias,
      representationsVariable: alias.representationsVariableName,
      paths: alias.paths.map(convertPath),
      requires: alias.requires.map(convertSelection),
      ...(alias.inputRewrites?.length && { inputRewrites: convertRewrites(alias.inputRewrites) }),
      ...(alias.outputRewrites?.length && { outputRewrites: convertRewrites(alias.outputRewrites) }),
    }),
  );
  return { ...fetchBase(node), entityBatch };
}

function convertPath(path: readonly Hive.FlattenNodePathSegment[]): ResponsePath {
  const out: string[] = [];
  for (const segment of path) {
    if (segment === '@') {
      out.push('@');
    } else if ('Field' in segment) {
      out.push(segment.Field);
    } else if ('TypeCondition' in segment) {
      const condition = `|[${segment.TypeCondition.join(',')}]`;
      const last = out.length - 1;
      // A condition filters the value the previous element reached; a second one is a further filter.
      if (last >= 0 && !out[last]!.includes('|[')) out[last] += condition;
      else out.push(condition);
    } else {
      throw new UnsupportedHivePlanError(`flatten path segment ${JSON.stringify(segment)}`);
    }
  }
  return out;
}

function convertSelection(selection: Hive.RequiresSelection): QueryPlanSelectionNode {
  switch (selection.kind) {
    case 'Field':
      // Where a @requires needs a field with other arguments than another selection of it, the planner
      // fetches it under an alias: `_internal_qp_alias_0: price(currency: "EUR")`. Hive's requires then name
      // the response key in `name` and the field in `alias` ({ name: '_internal_qp_alias_0', alias:
      // 'price' }); Apollo's format, which the executor reads, is the other way round: the value is read
      // under `alias` and sent under `name` (`selectRepresentation`).
      return {
        kind: 'Field',
        ...(selection.alias !== undefined ? { name: selection.alias, alias: selection.name } : { name: selection.name }),
        ...(selection.selections && { selections: selection.selections.map(convertSelection) }),
      };
    case 'InlineFragment':
      if (selection.skipIf !== undefined || selection.includeIf !== undefined) {
        throw new UnsupportedHivePlanError('conditional inline fragment in requires');
      }
      return { kind: 'InlineFragment', typeCondition: selection.typeCondition, selections: selection.selections.map(convertSelection) };
    default:
      throw new UnsupportedHivePlanError(`requires selection ${JSON.stringify(selection)}`);
  }
}

function convertRewrites(rewrites: readonly Hive.FetchRewrite[]): FetchDataRewrite[] {
  const out: FetchDataRewrite[] = [];
  for (const rewrite of rewrites) {
    if ('ValueSetter' in rewrite) {
      const { path, setValueTo } = rewrite.ValueSetter;
      for (const steps of convertRewritePath(path)) out.push({ kind: 'ValueSetter', path: steps, setValueTo });
    } else if ('KeyRenamer' in rewrite) {
      const { path, renameKeyTo } = rewrite.KeyRenamer;
      for (const steps of convertRewritePath(path)) out.push({ kind: 'KeyRenamer', path: steps, renameKeyTo });
    } else if ((rewrite as { kind?: string }).kind === 'ValueSetter') {
      const { path, setValueTo } = rewrite as Hive.ValueSetter;
      for (const steps of convertRewritePath(path)) out.push({ kind: 'ValueSetter', path: steps, setValueTo });
    } else {
      throw new UnsupportedHivePlanError(`rewrite ${JSON.stringify(rewrite)}`);
    }
  }
  return out;
}

/** Apollo's rewrite paths: keys and `... on Type`; a segment naming several types multiplies the paths. */
function convertRewritePath(path: readonly Hive.FetchNodePathSegment[]): string[][] {
  let paths: string[][] = [[]];
  for (const segment of path) {
    if ('Key' in segment) {
      for (const steps of paths) steps.push(segment.Key);
    } else if ('TypenameEquals' in segment) {
      paths = paths.flatMap((steps) => segment.TypenameEquals.map((type) => [...steps, `... on ${type}`]));
    } else {
      throw new UnsupportedHivePlanError(`rewrite path segment ${JSON.stringify(segment)}`);
    }
  }
  return paths;
}
