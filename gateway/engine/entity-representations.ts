import type { FetchDataRewrite, QueryPlanSelectionNode } from '@apollo/query-planner';
import { isObject, type JsonObject } from './json-merge.js';
import { type AnswerOverlay, fieldIn, fieldOf } from './answer-overlay.js';

/** Decides whether an object whose `__typename` is `typename` satisfies a type condition. */
export type TypeMatcher = (typeCondition: string, typename: unknown) => boolean;

/**
 * Builds the representation an entity fetch sends for `object`, from the fetch's `requires` selections
 * (`... on Type { __typename key fields }`). Returns `undefined` when no type condition applies, so the
 * object is not sent to this subgraph. `overlay`: what the plan run merged into the answers (answer-overlay.ts).
 */
export function selectRepresentation(
  object: JsonObject,
  requires: readonly QueryPlanSelectionNode[],
  matches: TypeMatcher,
  overlay?: AnswerOverlay,
): JsonObject | undefined {
  const reading: Reading = { matches, overlay };
  let representation: JsonObject | undefined;
  for (const selection of requires) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition !== undefined && !matches(selection.typeCondition, fieldOf(overlay, object, '__typename'))) continue;
      representation ??= {};
      selectInto(representation, object, selection.selections, reading);
    } else {
      representation ??= {};
      selectInto(representation, object, [selection], reading);
    }
  }
  return representation;
}

/** How a representation reads the merged response. */
interface Reading {
  readonly matches: TypeMatcher;
  readonly overlay: AnswerOverlay | undefined;
}

function selectInto(out: JsonObject, object: JsonObject, selections: readonly QueryPlanSelectionNode[], reading: Reading): void {
  const patch = reading.overlay?.patchOf(object);
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition === undefined || reading.matches(selection.typeCondition, fieldIn(patch, object, '__typename'))) {
        selectInto(out, object, selection.selections, reading);
      }
      continue;
    }
    const value = fieldIn(patch, object, selection.alias ?? selection.name);
    if (value === undefined) continue;
    out[selection.name] = selection.selections ? selectValue(value, selection.selections, reading) : value;
  }
}

function selectValue(value: unknown, selections: readonly QueryPlanSelectionNode[], reading: Reading): unknown {
  if (Array.isArray(value)) {
    const patch = reading.overlay?.patchOf(value);
    return value.map((_, i) => selectValue(fieldIn(patch, value, i), selections, reading));
  }
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  selectInto(out, value, selections, reading);
  return out;
}

const FRAGMENT_PREFIX = '... on ';

/**
 * Applies the planner's data rewrites in place. A path is a list of field names and `... on Type`
 * conditions; lists on the way are walked element by element. `ValueSetter` sets the last key (for
 * example `__typename` to an `@interfaceObject` interface name); `KeyRenamer` renames it (undoing an alias
 * the planner added to avoid a conflict).
 */
export function applyRewrites(value: unknown, rewrites: readonly FetchDataRewrite[], matches: TypeMatcher): void {
  for (const rewrite of rewrites) applyRewrite(value, rewrite, 0, matches);
}

function applyRewrite(value: unknown, rewrite: FetchDataRewrite, index: number, matches: TypeMatcher): void {
  if (Array.isArray(value)) {
    for (const item of value) applyRewrite(item, rewrite, index, matches);
    return;
  }
  if (!isObject(value)) return;
  const element = rewrite.path[index];
  if (element === undefined) return;
  if (element.startsWith(FRAGMENT_PREFIX)) {
    if (matches(element.slice(FRAGMENT_PREFIX.length), value.__typename)) {
      applyRewrite(value, rewrite, index + 1, matches);
    }
    return;
  }
  if (index < rewrite.path.length - 1) {
    applyRewrite(value[element], rewrite, index + 1, matches);
    return;
  }
  if (rewrite.kind === 'ValueSetter') {
    value[element] = rewrite.setValueTo;
  } else if (element in value) {
    value[rewrite.renameKeyTo] = value[element];
    delete value[element];
  }
}

/**
 * A dedup key for a representation, unique per value: leaves are written with a type tag and strings
 * length-prefixed (so no separator can be forged by a value); anything nested falls back to JSON.
 * Cheaper than `JSON.stringify` for the common flat `{ __typename, id }` shape.
 */
export function representationKey(representation: JsonObject): string {
  let key = 'F';
  for (const name in representation) {
    const value = representation[name];
    switch (typeof value) {
      case 'string':
        key += `${name.length}:${name}s${value.length}:${value}`;
        break;
      case 'number':
        key += `${name.length}:${name}n${value};`;
        break;
      case 'boolean':
        key += `${name.length}:${name}${value ? 'T' : 'F'}`;
        break;
      default:
        if (value === null) {
          key += `${name.length}:${name}z`;
          break;
        }
        return `J${JSON.stringify(representation)}`;
    }
  }
  return key;
}

/**
 * Builds the representation of one object for an entity fetch, or `undefined` to leave it out. A selector
 * of the usual flat shape also says which fields it copies (`flat`), so that a {@link RepresentationIndex}
 * can find a duplicate without building its representation.
 */
export type RepresentationSelector = ((object: JsonObject, overlay?: AnswerOverlay) => JsonObject | undefined) & { readonly flat?: FlatRepresentation };

/**
 * A flat selector's fields: `object[from]` is copied to `representation[to]`, when `applies(object)`. Both
 * read `object` through `overlay` (the run's merged answers) when given one.
 */
export interface FlatRepresentation {
  readonly applies: (object: JsonObject, overlay?: AnswerOverlay) => boolean;
  readonly fields: readonly { readonly from: string; readonly to: string }[];
}

/**
 * The representations one variable of an entity request carries, deduplicated: `add` returns the index of
 * an object's representation, adding it when no equal one is there yet.
 *
 * An entity fetch often has many objects for few entities (a list of reviews that all name one product),
 * so the lookup must not allocate per object. With a flat selector it walks nested maps keyed by the field
 * values (Map keys tell `"1"` from `1`), and builds a representation only for a new entity; otherwise it
 * builds the representation and looks up its {@link representationKey}. The two ways never share entries:
 * at worst an entity reached both ways is sent twice, and both answers are the same.
 *
 * @example
 * const index = new RepresentationIndex();
 * index.add(review.product, select); // 0
 * index.add(otherReview.product, select); // 0 again when it is the same product
 */
export class RepresentationIndex {
  readonly representations: JsonObject[] = [];
  readonly #byKey = new Map<string, number>();
  readonly #byValues = new Map<FlatRepresentation, Map<unknown, unknown>>();

  /** `overlay`: what the plan run merged into the answers it reads objects from (answer-overlay.ts). */
  constructor(private readonly overlay?: AnswerOverlay) {}

  /**
   * The index of `object`'s representation, or `undefined` when the selector builds none. `rewrite`
   * (the fetch's input rewrites) changes a representation after it is built, so it takes the general way.
   */
  add(object: JsonObject, select: RepresentationSelector, rewrite?: (representation: JsonObject) => void): number | undefined {
    const { flat } = select;
    const { overlay } = this;
    if (flat === undefined || rewrite !== undefined || flat.fields.length === 0) return this.#addByKey(select(object, overlay), rewrite);
    if (!flat.applies(object, overlay)) return undefined;
    const patch = overlay?.patchOf(object);
    let level = this.#byValues.get(flat);
    if (level === undefined) this.#byValues.set(flat, (level = new Map()));
    const last = flat.fields.length - 1;
    for (let i = 0; i < last; i++) {
      const value = fieldIn(patch, object, flat.fields[i]!.from);
      if (typeof value === 'object' && value !== null) return this.#addByKey(select(object, overlay));
      let next = level.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const value = fieldIn(patch, object, flat.fields[last]!.from);
    if (typeof value === 'object' && value !== null) return this.#addByKey(select(object, overlay));
    let index = level.get(value) as number | undefined;
    if (index === undefined) {
      index = this.representations.push(select(object, overlay)!) - 1;
      level.set(value, index);
    }
    return index;
  }

  #addByKey(representation: JsonObject | undefined, rewrite?: (representation: JsonObject) => void): number | undefined {
    if (representation === undefined) return undefined;
    rewrite?.(representation);
    const key = representationKey(representation);
    let index = this.#byKey.get(key);
    if (index === undefined) {
      index = this.representations.push(representation) - 1;
      this.#byKey.set(key, index);
    }
    return index;
  }
}

/**
 * Compiles a fetch node's `requires` once. The usual shape — one `... on Type` fragment of leaf fields,
 * e.g. `... on User { __typename id }` — gets a flat loop; anything else uses the general walk.
 */
export function compileRepresentationSelector(
  requires: readonly QueryPlanSelectionNode[],
  matches: TypeMatcher,
): RepresentationSelector {
  const [only] = requires;
  if (
    requires.length === 1 &&
    only?.kind === 'InlineFragment' &&
    only.typeCondition !== undefined &&
    only.selections.every((s) => s.kind === 'Field' && !s.selections)
  ) {
    const condition = only.typeCondition;
    const fields = only.selections.map((s) => {
      const field = s as Extract<QueryPlanSelectionNode, { kind: 'Field' }>;
      return { from: field.alias ?? field.name, to: field.name };
    });
    const applies = (object: JsonObject, overlay?: AnswerOverlay) => matches(condition, fieldOf(overlay, object, '__typename'));
    const select = (object: JsonObject, overlay?: AnswerOverlay): JsonObject | undefined => {
      if (!applies(object, overlay)) return undefined;
      const patch = overlay?.patchOf(object);
      const representation: JsonObject = {};
      for (const { from, to } of fields) {
        const value = fieldIn(patch, object, from);
        if (value !== undefined) representation[to] = value;
      }
      return representation;
    };
    return Object.assign(select, { flat: { applies, fields } });
  }
  return (object, overlay) => selectRepresentation(object, requires, matches, overlay);
}
