import type { PathStep, RemovedSelection } from './filter-operation.js';

type JsonObject = Record<string, unknown>;

/**
 * Puts `null` where removed fields were (replacing their `__typename` placeholders), with the spec's null
 * propagation: a removed non-null field nulls its parent object, up to the nearest nullable field or list
 * item (https://spec.graphql.org/October2021/#sec-Handling-Field-Errors). Returns the data, or `null` when
 * propagation reached the root. Changes `data` in place; it is the response's own tree.
 *
 * @example
 * nullRemovedSelections({ me: { email: 'User' } }, removed); // { me: { email: null } }
 */
export function nullRemovedSelections(data: JsonObject, removed: readonly RemovedSelection[]): JsonObject | null {
  for (const selection of removed) {
    if (selection.action === 'none') continue;
    if (inObject(data, selection, 0)) return null;
  }
  return data;
}

/** Applies one removal below `object` (at depth `index` of its steps); true when `object` itself must become null. */
function inObject(object: JsonObject, selection: RemovedSelection, index: number): boolean {
  if (index === selection.steps.length) {
    const value = object[selection.key];
    // The placeholder answered with the object's type name; anything else under this key is another selection's.
    if (typeof value !== 'string' || !selection.parentTypes.has(value)) return false;
    if (selection.action === 'delete') {
      delete object[selection.key];
      return false;
    }
    object[selection.key] = null;
    return selection.nonNull;
  }
  const step = selection.steps[index]!;
  if (inValue(object[step.key], step, 0, selection, index + 1)) {
    object[step.key] = null;
    return !step.nullable[0];
  }
  return false;
}

/** `value` sits at list depth `depth` of `step`'s field; true when it must become null. */
function inValue(value: unknown, step: PathStep, depth: number, selection: RemovedSelection, next: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth === step.nullable.length - 1) return Array.isArray(value) ? false : inObject(value as JsonObject, selection, next);
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    if (!inValue(value[i], step, depth + 1, selection, next)) continue;
    if (!step.nullable[depth + 1]) return true;
    value[i] = null;
  }
  return false;
}
