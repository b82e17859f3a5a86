import type { FetchDataRewrite, QueryPlanSelectionNode } from '@apollo/query-planner';

/** A JSON object as subgraphs return it. */
export type JsonObject = Record<string, unknown>;

/** Decides whether an object whose `__typename` is `typename` satisfies a type condition. */
export type TypeMatcher = (typeCondition: string, typename: unknown) => boolean;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `source` into `target` in place: objects key by key, lists element by element, anything else
 * replaced. Fetches of one plan return disjoint or agreeing fields (shareable fields agree), so a plain
 * recursive merge is enough.
 */
export function deepMerge(target: JsonObject, source: JsonObject): void {
  for (const key in source) {
    const value = source[key];
    if (value === undefined) continue;
    const existing = target[key];
    if (isObject(existing) && isObject(value)) {
      deepMerge(existing, value);
    } else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const current = existing[i];
        if (isObject(current) && isObject(item)) deepMerge(current, item);
        else existing[i] = item;
      }
    } else {
      target[key] = value;
    }
  }
}

/**
 * Builds the representation an entity fetch sends for `object`, from the fetch's `requires` selections
 * (`... on Type { __typename key fields }`). Returns `undefined` when no type condition applies, so the
 * object is not sent to this subgraph.
 */
export function selectRepresentation(
  object: JsonObject,
  requires: readonly QueryPlanSelectionNode[],
  matches: TypeMatcher,
): JsonObject | undefined {
  let representation: JsonObject | undefined;
  for (const selection of requires) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition !== undefined && !matches(selection.typeCondition, object.__typename)) continue;
      representation ??= {};
      selectInto(representation, object, selection.selections, matches);
    } else {
      representation ??= {};
      selectInto(representation, object, [selection], matches);
    }
  }
  return representation;
}

function selectInto(
  out: JsonObject,
  object: JsonObject,
  selections: readonly QueryPlanSelectionNode[],
  matches: TypeMatcher,
): void {
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition === undefined || matches(selection.typeCondition, object.__typename)) {
        selectInto(out, object, selection.selections, matches);
      }
      continue;
    }
    const value = object[selection.alias ?? selection.name];
    if (value === undefined) continue;
    out[selection.name] = selection.selections ? selectValue(value, selection.selections, matches) : value;
  }
}

function selectValue(value: unknown, selections: readonly QueryPlanSelectionNode[], matches: TypeMatcher): unknown {
  if (Array.isArray(value)) return value.map((item) => selectValue(item, selections, matches));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  selectInto(out, value, selections, matches);
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

/** Builds the representation of one object for an entity fetch, or `undefined` to leave it out. */
export type RepresentationSelector = (object: JsonObject) => JsonObject | undefined;

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
    return (object) => {
      if (!matches(condition, object.__typename)) return undefined;
      const representation: JsonObject = {};
      for (const { from, to } of fields) {
        const value = object[from];
        if (value !== undefined) representation[to] = value;
      }
      return representation;
    };
  }
  return (object) => selectRepresentation(object, requires, matches);
}
