/** Most entity tags one cache entry carries; past it, the entry is tagged to match any key of the type. */
export const MAX_ENTITY_TAGS = 2_000;
/** Most values looked at per subgraph answer when collecting tags. */
const MAX_VISITED = 50_000;

/**
 * The tag an entry carries for one scalar field of an entity it was built from: purging `Product` with
 * key `{ upc: "1" }` deletes the entries tagged `entity:Product:upc="1"` (every field of a compound key
 * must match).
 *
 * @example
 * entityTag('Product', 'upc', '1'); // 'entity:Product:upc="1"'
 */
export function entityTag(type: string, field: string, value: unknown): string {
  return `entity:${type}:${field}=${JSON.stringify(value)}`;
}

/** The tag that makes an entry match every entity purge of `type` (its own entity tags overflowed). */
export function anyEntityTag(type: string): string {
  return `entity-any:${type}`;
}

/** The tag of every entry whose operation touches `type`. */
export function typeTag(type: string): string {
  return `type:${type}`;
}

/**
 * Adds entity tags for every object with a `__typename` in `value` (entity representations the gateway
 * sent, and the objects subgraphs answered), one per scalar field. Bounded: at most MAX_ENTITY_TAGS tags
 * per entry and MAX_VISITED values per call; a type whose tags no longer fit gets the any-entity tag.
 *
 * @example
 * collectEntityTags([{ __typename: 'Product', upc: '1' }], tags);
 */
export function collectEntityTags(value: unknown, tags: Set<string>): void {
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited++ < MAX_VISITED) {
    const current = stack.pop();
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
      continue;
    }
    const record = current as Record<string, unknown>;
    const type = typeof record.__typename === 'string' ? record.__typename : undefined;
    for (const field of Object.keys(record)) {
      const fieldValue = record[field];
      if (typeof fieldValue === 'object' && fieldValue !== null) {
        stack.push(fieldValue);
      } else if (type !== undefined && field !== '__typename' && fieldValue !== undefined) {
        if (tags.size < MAX_ENTITY_TAGS) tags.add(entityTag(type, field, fieldValue));
        else tags.add(anyEntityTag(type));
      }
    }
  }
}
