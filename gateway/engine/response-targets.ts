import type { ResponsePath } from '@apollo/query-planner';
import { type GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import { type TypeMatcher } from './entity-representations.js';
import { isObject, type JsonObject } from './json-merge.js';
import { type AnswerOverlay, fieldIn, fieldOf } from './answer-overlay.js';

/** The response path of `base`, followed by `rest`. */
export function pathOf(base: ResponsePath | undefined, rest: readonly (string | number)[] = []): ResponsePath {
  return [...(base ?? []), ...rest];
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
 * The objects of the merged response that one fetch writes into (or whose fields it reads), in the order
 * the plan's paths reach them. Their response paths are what an error needs, and errors are rare: a
 * collection records only the objects, and where they came from (the targets it walked from and the
 * steps), and {@link Targets.pathOf} works the paths out by walking again the first time one is asked for.
 *
 * @example
 * const root = Targets.root(data);
 * const products = new Targets().collect(root, compilePath(['topProducts', '@']), matches, overlay);
 * products.objects; // each product object
 * products.pathOf(1); // ['topProducts', 1]
 */
export class Targets {
  readonly objects: JsonObject[] = [];
  readonly #segments: Segment[] = [];
  #paths: ResponsePath[] | undefined;

  /** The response's root object, at the empty path. */
  static root(data: JsonObject): Targets {
    return new Targets().add([data], [[]]);
  }

  /** Appends objects whose paths are known. */
  add(objects: readonly JsonObject[], paths: readonly ResponsePath[]): this {
    this.#paths = undefined;
    this.#segments.push({ start: this.objects.length, paths });
    for (const object of objects) this.objects.push(object);
    return this;
  }

  /**
   * Appends every object at `steps` below `from`'s objects. `@` steps into each element of a list; null,
   * missing and non-object values are skipped (there is nothing to join), and so are objects a type
   * condition rules out. A list at the end of the path contributes each of its objects. Values are read
   * through `overlay` (the run's merged answers; answer-overlay.ts) when there is one.
   */
  collect(from: Targets, steps: readonly PathStep[], matches: TypeMatcher, overlay?: AnswerOverlay): this {
    this.#paths = undefined;
    const source: WalkSource = { from, steps, matches, overlay };
    this.#segments.push({ start: this.objects.length, source });
    const walk: Walk = { ...source, out: this.objects, trail: undefined, paths: undefined };
    for (const object of from.objects) walkFrom(walk, object, 0);
    return this;
  }

  /** The response path of `objects[index]`. */
  pathOf(index: number): ResponsePath {
    return (this.#paths ??= this.#allPaths())[index]!;
  }

  /** The path of the first object, where a root fetch under these targets has its response keys; none when empty. */
  firstPath(): ResponsePath | undefined {
    return this.objects.length > 0 ? this.pathOf(0) : undefined;
  }

  #allPaths(): ResponsePath[] {
    const paths: ResponsePath[] = [];
    for (let i = 0; i < this.#segments.length; i++) {
      const segment = this.#segments[i]!;
      const end = this.#segments[i + 1]?.start ?? this.objects.length;
      const found = segment.paths ?? this.#walkedPaths(segment.source, segment.start, end);
      for (const path of found) paths.push(path);
    }
    return paths;
  }

  /**
   * The paths of `objects[start..end)`, collected from `source`: the same walk again, keeping the path to
   * each object. Normally it reaches the same objects in the same order. If another fetch of the plan
   * changed the tree in between (an answer that replaced a list with one of another length), each object
   * takes the path where the walk now finds it, else the path of the walk's fixed start.
   */
  #walkedPaths(source: WalkSource, start: number, end: number): ResponsePath[] {
    const out: JsonObject[] = [];
    const paths: ResponsePath[] = [];
    for (let k = 0; k < source.from.objects.length; k++) {
      walkFrom({ ...source, out, trail: [...source.from.pathOf(k)], paths }, source.from.objects[k], 0);
    }
    const mine = this.objects.slice(start, end);
    if (out.length === mine.length && mine.every((object, i) => out[i] === object)) return paths;
    const unclaimed = new Map<JsonObject, ResponsePath[]>();
    for (let i = 0; i < out.length; i++) {
      const list = unclaimed.get(out[i]!);
      if (list) list.push(paths[i]!);
      else unclaimed.set(out[i]!, [paths[i]!]);
    }
    const fallback = fixedPrefix(source);
    return mine.map((object) => unclaimed.get(object)?.shift() ?? fallback);
  }
}

/** Where one {@link Targets.collect} call walked from. */
interface WalkSource {
  readonly from: Targets;
  readonly steps: readonly PathStep[];
  readonly matches: TypeMatcher;
  readonly overlay: AnswerOverlay | undefined;
}

/** The targets one `add` or `collect` appended, from `start` to the next segment's start. */
type Segment =
  | { readonly start: number; readonly paths: readonly ResponsePath[]; readonly source?: undefined }
  | { readonly start: number; readonly paths?: undefined; readonly source: WalkSource };

/** The path every target of `source` starts with: its start's, and the field steps before the first list. */
function fixedPrefix(source: WalkSource): ResponsePath {
  const path: ResponsePath = source.from.objects.length === 1 ? [...source.from.pathOf(0)] : [];
  for (const step of source.steps) {
    if (step.kind === 'list') break;
    if (step.kind === 'field') path.push(step.name);
  }
  return path;
}

/** What one walk of {@link Targets.collect} works with. */
interface Walk extends WalkSource {
  readonly out: JsonObject[];
  /** When paths are asked for: the path of the value being walked (pushed and popped as the walk goes). */
  readonly trail: (string | number)[] | undefined;
  /** With `trail`: the path of each object pushed to `out`. */
  readonly paths: ResponsePath[] | undefined;
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
 * The walk of {@link Targets.collect}: a module function taking everything it needs, so a Flatten node
 * allocates no closures per call and, unless paths are asked for, nothing per object but its slot in `out`.
 */
function walkFrom(walk: Walk, value: unknown, index: number): void {
  const { steps, overlay, trail } = walk;
  if (index === steps.length) {
    if (Array.isArray(value)) {
      const patch = overlay?.patchOf(value);
      for (let i = 0; i < value.length; i++) {
        trail?.push(i);
        walkFrom(walk, fieldIn(patch, value, i), index);
        trail?.pop();
      }
    } else if (isObject(value)) {
      walk.out.push(value);
      if (trail !== undefined) walk.paths!.push([...trail]);
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
        if (!passes(item, step.types, walk)) continue;
        trail?.push(i);
        walkFrom(walk, item, index + 1);
        trail?.pop();
      }
      return;
    }
    case 'field': {
      if (!isObject(value)) return;
      const next = fieldOf(overlay, value, step.name);
      if (!passes(next, step.types, walk)) return;
      trail?.push(step.name);
      walkFrom(walk, next, index + 1);
      trail?.pop();
      return;
    }
    case 'filter':
      if (passes(value, step.types, walk)) walkFrom(walk, value, index + 1);
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
