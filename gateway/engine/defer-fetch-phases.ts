import type { FetchNode, PlanNode, ResponsePath } from '@apollo/query-planner';
import { Kind, parse, type SelectionSetNode } from 'graphql';
import type { DeferLevelNode } from './defer-operation.js';
import { isEntityBatchFetch } from './entity-batch-fetch.js';

/**
 * The phase each fetch of a plan runs in when the operation defers fragments: phase 0 feeds the primary
 * selection (the first payload), phase k the fragments deferred k deep. A fetch's own phase is the least
 * defer level of the response keys it writes; a fetch before another in a Sequence may feed it, so it
 * never runs in a later phase than the fetches after it. A fetch that writes no key of the operation (keys
 * and `@requires` inputs only, or names the planner chose) runs in phase 0: running a fetch early costs
 * latency, running it late would leave the first payload without its data.
 *
 * @example
 * const phases = fetchPhases(plan.node, deferLevels(document, operation, variables).root);
 * phases.get(reviewsFetch); // 1
 */
export function fetchPhases(node: PlanNode, levels: DeferLevelNode): Map<FetchNode, number> {
  const phases = new Map<FetchNode, number>();
  const ownLevel = new Map<PlanNode, number>();

  const own = (at: PlanNode, prefix: readonly (string | number)[]): number => {
    let level: number;
    switch (at.kind) {
      case 'Fetch':
        level = fetchLevel(at, prefix, levels);
        break;
      case 'Flatten':
        level = own(at.node, [...prefix, ...at.path]);
        break;
      case 'Sequence':
      case 'Parallel':
        level = Math.min(...at.nodes.map((child) => own(child, prefix)));
        break;
      case 'Condition':
        level = Math.min(at.ifClause ? own(at.ifClause, prefix) : Infinity, at.elseClause ? own(at.elseClause, prefix) : Infinity);
        break;
      default:
        level = 0;
    }
    ownLevel.set(at, level);
    return level;
  };

  const assign = (at: PlanNode, cap: number): void => {
    switch (at.kind) {
      case 'Fetch':
        phases.set(at, Math.min(ownLevel.get(at) ?? 0, cap));
        return;
      case 'Flatten':
        assign(at.node, cap);
        return;
      case 'Parallel':
        for (const child of at.nodes) assign(child, cap);
        return;
      case 'Sequence': {
        // Each child runs no later than every child after it.
        let later = cap;
        for (let i = at.nodes.length - 1; i >= 0; i--) {
          const child = at.nodes[i]!;
          assign(child, later);
          later = Math.min(later, ownLevel.get(child) ?? 0);
        }
        return;
      }
      case 'Condition':
        if (at.ifClause) assign(at.ifClause, cap);
        if (at.elseClause) assign(at.elseClause, cap);
        return;
      default:
        return;
    }
  };

  own(node, []);
  assign(node, Infinity);
  return phases;
}

/** The least defer level of the keys a fetch writes (at its Flatten path, or its batch entries' paths). */
function fetchLevel(fetch: FetchNode, prefix: readonly (string | number)[], levels: DeferLevelNode): number {
  const operation = parse(fetch.operation, { noLocation: true }).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  let level = Infinity;
  if (isEntityBatchFetch(fetch)) {
    for (const entry of fetch.entityBatch) {
      const selection = fieldSelection(operation.selectionSet, entry.alias);
      for (const path of entry.paths) {
        const at = nodeAt(levels, path);
        if (selection && at) level = Math.min(level, leastLevel(selection, at));
      }
    }
  } else {
    const at = nodeAt(levels, prefix);
    const selection = fetch.requires ? fieldSelection(operation.selectionSet, '_entities') : operation.selectionSet;
    if (selection && at) level = leastLevel(selection, at);
  }
  return level === Infinity ? 0 : level;
}

/** The level node a plan path reaches (`@` and type conditions skipped), or undefined off the operation. */
function nodeAt(levels: DeferLevelNode, path: ResponsePath | readonly (string | number)[]): DeferLevelNode | undefined {
  let at: DeferLevelNode | undefined = levels;
  for (const element of path) {
    const text = String(element);
    const cut = text.indexOf('|[');
    const name = cut === -1 ? text : text.slice(0, cut);
    if (name === '@' || name === '') continue;
    at = at.children.get(name);
    if (!at) return undefined;
  }
  return at;
}

function fieldSelection(set: SelectionSetNode, responseKey: string): SelectionSetNode | undefined {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === responseKey) return selection.selectionSet;
  }
  return undefined;
}

function leastLevel(set: SelectionSetNode, at: DeferLevelNode): number {
  let level = Infinity;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      level = Math.min(level, leastLevel(selection.selectionSet, at));
      continue;
    }
    if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
    const child = at.children.get(selection.alias?.value ?? selection.name.value);
    if (!child) continue;
    level = Math.min(level, child.level, selection.selectionSet ? leastLevel(selection.selectionSet, child) : Infinity);
  }
  return level;
}
