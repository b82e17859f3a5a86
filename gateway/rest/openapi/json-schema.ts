import {
  type FragmentDefinitionNode,
  type GraphQLEnumType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  type SelectionSetNode,
  valueFromAST,
  type ValueNode,
} from 'graphql';
import { selectedFields } from '../selection-fields.js';

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = Record<string, unknown>;

const SCALARS: Readonly<Record<string, JsonSchema>> = {
  Int: { type: 'integer', format: 'int32' },
  Float: { type: 'number', format: 'double' },
  String: { type: 'string' },
  Boolean: { type: 'boolean' },
  ID: { type: 'string' },
};

/**
 * Turns GraphQL types into JSON Schemas for one OpenAPI document: enums and input objects become shared
 * `components.schemas` entries (collected in `components`), response objects are inlined because each
 * route selects its own fields. Nullable types allow `null`.
 *
 * @example
 * const schemas = new JsonSchemaBuilder(apiSchema);
 * schemas.input(variable.type); // { type: 'integer', format: 'int32' }
 */
export class JsonSchemaBuilder {
  /** `components.schemas` of the document, filled as types are referenced. */
  readonly components: Record<string, JsonSchema> = {};

  constructor(private readonly schema: GraphQLSchema) {}

  /** The schema of a value of an input type (a parameter or a request body). */
  input(type: GraphQLInputType): JsonSchema {
    if (isNonNullType(type)) return this.inputNonNull(type.ofType);
    return nullable(this.inputNonNull(type));
  }

  /** The schema of the value a selection set produces on `type`. */
  output(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>): JsonSchema {
    if (isNonNullType(type)) return this.outputNonNull(type.ofType, selectionSet, fragments);
    return nullable(this.outputNonNull(type, selectionSet, fragments));
  }

  private inputNonNull(type: GraphQLInputType): JsonSchema {
    if (isListType(type)) return { type: 'array', items: this.input(type.ofType) };
    if (isInputObjectType(type)) return this.reference(type, () => this.inputObject(type));
    return this.leaf(type as GraphQLNamedType);
  }

  private inputObject(type: GraphQLInputObjectType): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of Object.values(type.getFields())) {
      const property = describe(this.input(field.type), field.description, field.deprecationReason);
      if (field.defaultValue !== undefined) property.default = field.defaultValue;
      properties[field.name] = property;
      if (isNonNullType(field.type) && field.defaultValue === undefined) required.push(field.name);
    }
    return withDescription({ type: 'object', properties, ...(required.length > 0 && { required }), additionalProperties: false }, type.description);
  }

  private outputNonNull(
    type: GraphQLOutputType,
    selectionSet: SelectionSetNode | undefined,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ): JsonSchema {
    if (isListType(type)) return { type: 'array', items: this.output(type.ofType, selectionSet, fragments) };
    if (isObjectType(type) || isAbstractType(type)) return this.selection(type, selectionSet, fragments);
    return this.leaf(type);
  }

  private selection(
    type: GraphQLNamedType,
    selectionSet: SelectionSetNode | undefined,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required = new Set<string>();
    for (const selected of selectionSet ? selectedFields(selectionSet, fragments) : []) {
      const name = selected.node.name.value;
      // A field under a fragment on another type is only there when the object is of that type.
      const always = selected.typeCondition === undefined || selected.typeCondition === type.name;
      if (name === '__typename') {
        properties[selected.key] = isAbstractType(type) ? { type: 'string' } : { type: 'string', const: type.name };
        if (always) required.add(selected.key);
        continue;
      }
      const owner = this.schema.getType(selected.typeCondition ?? type.name);
      const field = owner && (isObjectType(owner) || isInterfaceType(owner)) ? owner.getFields()[name] : undefined;
      if (!field) continue;
      properties[selected.key] = describe(this.output(field.type, selected.node.selectionSet, fragments), field.description, field.deprecationReason);
      if (always) required.add(selected.key);
    }
    return withDescription(
      { type: 'object', properties, ...(required.size > 0 && { required: [...required] }) },
      type.description,
    );
  }

  private leaf(type: GraphQLNamedType): JsonSchema {
    if (isEnumType(type)) return this.reference(type, () => enumSchema(type));
    if (isScalarType(type) && Object.hasOwn(SCALARS, type.name)) return { ...SCALARS[type.name] };
    // A custom scalar may serialize to anything JSON.
    return withDescription({}, type.description ?? `GraphQL scalar ${type.name}`);
  }

  private reference(type: GraphQLNamedType, build: () => JsonSchema): JsonSchema {
    if (!Object.hasOwn(this.components, type.name)) {
      this.components[type.name] = {}; // placeholder first: input objects may refer to themselves
      this.components[type.name] = build();
    }
    return { $ref: `#/components/schemas/${type.name}` };
  }
}

/**
 * The JSON value of a variable's default, for OpenAPI's `default`.
 *
 * @example
 * defaultOf(definition.defaultValue, type); // 10
 */
export function defaultOf(value: ValueNode | undefined, type: GraphQLInputType): unknown {
  return value === undefined ? undefined : valueFromAST(value, type);
}

function enumSchema(type: GraphQLEnumType): JsonSchema {
  const values = type.getValues();
  const deprecated = values.filter((v) => v.deprecationReason).map((v) => `${v.name} (deprecated: ${v.deprecationReason})`);
  const description = [type.description, deprecated.length > 0 ? `Deprecated values: ${deprecated.join(', ')}.` : undefined]
    .filter(Boolean)
    .join('\n\n');
  return withDescription({ type: 'string', enum: values.map((v) => v.name) }, description || undefined);
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (schema.$ref !== undefined) return { oneOf: [schema, { type: 'null' }] };
  return schema; // already any JSON value, null included
}

function describe(schema: JsonSchema, description: string | null | undefined, deprecationReason: string | null | undefined): JsonSchema {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12, where `$ref` may have siblings such as `description`.
  const described = withDescription({ ...schema }, description);
  if (deprecationReason) {
    described.deprecated = true;
    described.description = [description, `Deprecated: ${deprecationReason}`].filter(Boolean).join('\n\n');
  }
  return described;
}

function withDescription(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}
