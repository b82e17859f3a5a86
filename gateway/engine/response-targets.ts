import type { ResponsePath } from '@apollo/query-planner';
import { type GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import { type TypeMatcher } from './entity-representations.js';
import { isObject, type JsonObject } from './json-merge.js';
import { type AnswerOverlay, fieldIn, fieldOf } from './answer-overlay.js';

/**
 * A step of a response path, linked to its parent: collecting the objects under a Flatten node then
 * allocates one small node per step instead of copying a path array per object. Paths are materialised
 * only when an error needs one.
 */
export interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string | number;
}

/** An object in the merged response that a fetch writes into, with its path for error mapping. */
export interface Target {
  readonly object: JsonObject;
  readonly path: PathNode | undefined;
}

/** The response path of `node`, followed by `rest`. */
export function pathOf(node: PathNode | undefined, rest: readonly (string | number)[] = []): ResponsePath {
  const path: ResponsePath = [];
  for (let at = node; at !== undefined; at = at.parent) path.push(at.key);
  path.reverse();
  for (const key of rest) path.push(key);
  return path;
}

/**
 * One compiled element of a plan path: a field, every element of a list (`@`), or only a type filter.
 * `types`, when set, filters the value the step reaches by its `__typename`.
 */
type PathStep =
  | { readonly kind: 'field'; readonly name: string; readonly types: readonly string[] | undefined }
  | { readonly kind: 'list'; readonly types: readonly string[] | undefined }
  | { readonly kind: 'filter'; readonly types: readonly string[] };

const CONDITION_START = '|[';

/**
 * Compiles a plan path (`['topProducts', '@', 'reviews', '@|[Review]']`) into steps. A `|[A,B]` suffix is a
 * type condition on the value the element reaches (Apollo's type-conditioned form); an element that is
 * only a condition filters the current value.
 *
 * @example
 * compilePath(['search', '@|[Product]']); // [{ kind: 'field', name: 'search' }, { kind: 'list', types: ['Product'] }]
 */
export function compilePath(path: ResponsePath): readonly PathStep[] {
  return path.map((element): PathStep => {
    const text = String(element);
    const at = text.indexOf(CONDITION_START);
    const name = at === -1 ? text : text.slice(0, at);
    const types = at !== -1 && text.endsWith(']') ? text.slice(at + CONDITION_START.length, -1).split(',') : undefined;
    if (name === '@') return { kind: 'list', types };
    if (name === '' && types) return { kind: 'filter', types };
    return { kind: 'field', name, types };
  });
}

/**
 * Every object at `steps` below the targets. `@` steps into each element of a list; null, missing and
 * non-object values are skipped (there is nothing to join), and so are objects a type condition rules out.
 * A list at the end of the path contributes each of its objects. Values are read through `overlay` (the
 * run's merged answers; answer-overlay.ts) when there is one.
 */
export function collectTargets(targets: readonly Target[], steps: readonly PathStep[], matches: TypeMatcher, overlay?: AnswerOverlay): Target[] {
  const out: Target[] = [];
  const walk: Walk = { steps, matches, overlay, out };
  for (const target of targets) walkFrom(walk, target.object, 0, target.path);
  return out;
}

/** What one {@link collectTargets} call walks with. */
interface Walk {
  readonly steps: readonly PathStep[];
  readonly matches: TypeMatcher;
  readonly overlay: AnswerOverlay | undefined;
  readonly out: Target[];
}

/** `value` passes a step's type filter (no filter: anything passes). */
function passes(value: unknown, types: readonly string[] | undefined, { matches, overlay }: Walk): boolean {
  if (types === undefined) return true;
  if (!isObject(value)) return false;
  const typename = fieldOf(overlay, value, '__typename');
  for (const type of types) if (matches(type, typename)) return true;
  return false;
}

/**
 * The walk of {@link collectTargets}: a module function taking everything it needs, so a Flatten node
 * allocates no closures per call, only the path nodes of the objects it reaches.
 */
function walkFrom(walk: Walk, value: unknown, index: number, at: PathNode | undefined): void {
  const { steps, overlay } = walk;
  if (index === steps.length) {
    if (Array.isArray(value)) {
      const patch = overlay?.patchOf(value);
      for (let i = 0; i < value.length; i++) walkFrom(walk, fieldIn(patch, value, i), index, { parent: at, key: i });
    } else if (isObject(value)) {
      walk.out.push({ object: value, path: at });
    }
    return;
  }
  const step = steps[index]!;
  switch (step.kind) {
    case 'list': {
      if (!Array.isArray(value)) return;
      const patch = overlay?.patchOf(value);
      for (let i = 0; i < value.length; i++) {
        const item = fieldIn(patch, value, i);
        if (passes(item, step.types, walk)) walkFrom(walk, item, index + 1, { parent: at, key: i });
      }
      return;
    }
    case 'field': {
      if (!isObject(value)) return;
      const next = fieldOf(overlay, value, step.name);
      if (passes(next, step.types, walk)) walkFrom(walk, next, index + 1, { parent: at, key: step.name });
      return;
    }
    case 'filter':
      if (passes(value, step.types, walk)) walkFrom(walk, value, index + 1, at);
  }
}

/** `typename` satisfies `typeCondition` when they are equal or `typeCondition` is an abstract supertype. */
export function typeMatcher(schema: GraphQLSchema): TypeMatcher {
  const memo = new Map<string, boolean>();
  return (typeCondition, typename) => {
    if (typeof typename !== 'string') return false;
    if (typeCondition === typename) return true;
    const key = `${typeCondition}\u0000${typename}`;
    let result = memo.get(key);
    if (result === undefined) {
      const condition = schema.getType(typeCondition);
      const type = schema.getType(typename);
      result = isAbstractType(condition) && isObjectType(type) && schema.isSubType(condition, type);
      memo.set(key, result);
    }
    return result;
  };
}
