/** A JSON object as subgraphs return it. */
export type JsonObject = Record<string, unknown>;

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
