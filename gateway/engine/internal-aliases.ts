import { type DocumentNode, type FieldNode, type GraphQLSchema, isInterfaceType, isObjectType, Kind, visit } from 'graphql';

/**
 * Client aliases a plan cannot carry as they are. A planner adds fields of its own to the subgraph
 * operations (key fields, `@requires` inputs, `__typename`) and merges them with the client's selection by
 * response key: a client alias named like such a field (`sku: name` next to the key `sku`) makes two
 * different fields share one response key, which the subgraph refuses, and one value overwrite the other
 * in the response tree. Such aliases are renamed before planning (`sku: name` → `_atrium_sku: name`);
 * result shaping reads the renamed key and answers under the client's name, so the client sees nothing.
 *
 * The rule depends only on the alias, the field name and the supergraph's field names (never on the
 * plan), so the rewrite before planning and the read in shaping agree without passing anything between
 * them: an alias is renamed when it differs from its field's name and is the name of a field of some
 * object or interface type of the supergraph, or `__typename`, or already starts with the prefix.
 */
export const INTERNAL_ALIAS_PREFIX = '_atrium_';

/** The names an alias must not take unrenamed: every field name of the supergraph's composite types. */
export type ReservedResponseKeys = ReadonlySet<string>;

const reservedOf = new WeakMap<GraphQLSchema, ReservedResponseKeys>();

/** The reserved response keys of a supergraph schema (computed once per schema). */
export function reservedResponseKeys(schema: GraphQLSchema): ReservedResponseKeys {
  let reserved = reservedOf.get(schema);
  if (!reserved) {
    const names = new Set<string>(['__typename']);
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue; // introspection types: answered by the gateway, never planned
      if (isObjectType(type) || isInterfaceType(type)) for (const name of Object.keys(type.getFields())) names.add(name);
    }
    reservedOf.set(schema, (reserved = names));
  }
  return reserved;
}

/** The key the plan's response tree holds a field under: its response name, renamed when the rule says so. */
export function internalResponseKey(field: FieldNode, reserved: ReservedResponseKeys): string {
  const alias = field.alias?.value;
  if (alias === undefined || alias === field.name.value) return field.name.value;
  return reserved.has(alias) || alias.startsWith(INTERNAL_ALIAS_PREFIX) ? INTERNAL_ALIAS_PREFIX + alias : alias;
}

/**
 * The document to plan: `document` with every alias the rule renames replaced by its internal key, or
 * `document` itself when there is none (the common case: no copy).
 *
 * @example
 * print(withInternalAliases(parse('{ topProducts { sku: name } }'), reserved)); // { topProducts { _atrium_sku: name } }
 */
export function withInternalAliases(document: DocumentNode, reserved: ReservedResponseKeys): DocumentNode {
  let renamed = false;
  const result = visit(document, {
    Field(node) {
      const key = internalResponseKey(node, reserved);
      if (key === (node.alias?.value ?? node.name.value)) return undefined;
      renamed = true;
      return { ...node, alias: { kind: Kind.NAME, value: key } };
    },
  });
  return renamed ? result : document;
}

/**
 * A response path segment as the client named it (the internal prefix removed once). A field whose own
 * schema name starts with the prefix and is selected without an alias would lose it here too; no schema we
 * know names fields so.
 */
export function clientPathSegment(segment: string | number): string | number {
  return typeof segment === 'string' && segment.startsWith(INTERNAL_ALIAS_PREFIX) ? segment.slice(INTERNAL_ALIAS_PREFIX.length) : segment;
}
