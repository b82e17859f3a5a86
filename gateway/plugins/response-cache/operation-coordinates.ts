import { type DocumentNode, type GraphQLSchema, getNamedType, TypeInfo, visit, visitWithTypeInfo } from 'graphql';

/** The types and fields an operation touches: what `responseCache.ttl` entries and type purges match. */
export interface OperationCoordinates {
  /** Named return types of every selected field (and the root type). */
  readonly types: ReadonlySet<string>;
  /** `Type.field` of every selected field. */
  readonly fields: ReadonlySet<string>;
}

const known = new WeakMap<DocumentNode, WeakMap<GraphQLSchema, OperationCoordinates>>();

/**
 * Walks a validated document with the API schema's type information. Remembered per document and schema
 * (Apollo Server's document cache hands the same document object to every request with the same text).
 *
 * @example
 * operationCoordinates(parse('{ topProducts { name } }'), apiSchema);
 * // { types: Set { 'Query', 'Product', 'String' }, fields: Set { 'Query.topProducts', 'Product.name' } }
 */
export function operationCoordinates(document: DocumentNode, schema: GraphQLSchema): OperationCoordinates {
  let bySchema = known.get(document);
  const cached = bySchema?.get(schema);
  if (cached) return cached;
  const types = new Set<string>();
  const fields = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition() {
        const root = typeInfo.getType();
        if (root) types.add(getNamedType(root).name);
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const type = typeInfo.getType();
        if (parent) fields.add(`${parent.name}.${node.name.value}`);
        if (type) types.add(getNamedType(type).name);
      },
    }),
  );
  const result = { types, fields };
  if (!bySchema) {
    bySchema = new WeakMap();
    known.set(document, bySchema);
  }
  bySchema.set(schema, result);
  return result;
}
