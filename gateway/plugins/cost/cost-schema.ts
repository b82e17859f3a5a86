import {
  type ConstDirectiveNode,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  valueFromASTUntyped,
} from 'graphql';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import { linkedDirectiveName } from '../../supergraph/linked-directive-name.js';

/** The cost spec composition links into a supergraph (`@cost`, `@listSize`). */
export const COST_SPEC_IDENTITY = 'https://specs.apollo.dev/cost';

/** `@listSize` on a list field (or on a connection field, with `sizedFields`). */
export interface ListSize {
  readonly assumedSize: number | undefined;
  readonly slicingArguments: readonly string[];
  readonly sizedFields: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

/**
 * The `@cost`/`@listSize` annotations of one supergraph, indexed for the cost calculators, next to the
 * supergraph's graphql-js schema (which, unlike the API schema, has every subgraph's fields and
 * `_entities` types).
 */
export interface CostSchema {
  readonly schema: GraphQLSchema;
  /** `@cost` on an object, scalar or enum type. */
  typeWeight(typeName: string): number | undefined;
  /** `@cost` on a field definition. */
  fieldWeight(typeName: string, fieldName: string): number | undefined;
  /** `@cost` on a field's argument. */
  argumentWeight(typeName: string, fieldName: string, argumentName: string): number | undefined;
  /** `@cost` on an input object's field. */
  inputFieldWeight(typeName: string, fieldName: string): number | undefined;
  listSize(typeName: string, fieldName: string): ListSize | undefined;
}

const costSchemas = new WeakMap<LoadedSupergraph, CostSchema>();

/**
 * The cost index of a supergraph, built on first use and kept as long as the supergraph lives (a hot
 * reload builds a new one). Directive names follow the supergraph's `@link` of the cost spec, so
 * renamed imports work.
 *
 * @example
 * costSchemaOf(loaded).fieldWeight('Query', 'search'); // 5 for `search: [Item] @cost(weight: 5)`
 */
export function costSchemaOf(supergraph: LoadedSupergraph): CostSchema {
  let built = costSchemas.get(supergraph);
  if (!built) {
    built = buildCostSchema(supergraph);
    costSchemas.set(supergraph, built);
  }
  return built;
}

function buildCostSchema(supergraph: LoadedSupergraph): CostSchema {
  const schema = supergraph.supergraph.schema.toGraphQLJSSchema();
  const costName = linkedDirectiveName(supergraph.supergraph, COST_SPEC_IDENTITY, 'cost');
  const listSizeName = linkedDirectiveName(supergraph.supergraph, COST_SPEC_IDENTITY, 'listSize');
  const typeWeights = new Map<string, number>();
  const fieldWeights = new Map<string, number>();
  const argumentWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined): number | undefined => {
    const cost = costName === undefined ? undefined : directives?.find((d) => d.name.value === costName);
    const weight = cost?.arguments?.find((a) => a.name.value === 'weight');
    return weight === undefined ? undefined : Number(valueFromASTUntyped(weight.value));
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isScalarType(type) || isEnumType(type)) {
      const weight = weightOf([type.astNode, ...type.extensionASTNodes].flatMap((node) => node?.directives ?? []));
      if (weight !== undefined) typeWeights.set(type.name, weight);
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        const directives = field.astNode?.directives;
        const weight = weightOf(directives);
        if (weight !== undefined) fieldWeights.set(key, weight);
        const listSize = listSizeName === undefined ? undefined : directives?.find((d) => d.name.value === listSizeName);
        if (listSize) listSizes.set(key, readListSize(listSize));
        for (const argument of field.args) {
          const argumentWeight = weightOf(argument.astNode?.directives);
          if (argumentWeight !== undefined) argumentWeights.set(`${key}(${argument.name})`, argumentWeight);
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const weight = weightOf(field.astNode?.directives);
        if (weight !== undefined) fieldWeights.set(`${type.name}.${field.name}`, weight);
      }
    }
  }

  return {
    schema,
    typeWeight: (typeName) => typeWeights.get(typeName),
    fieldWeight: (typeName, fieldName) => fieldWeights.get(`${typeName}.${fieldName}`),
    argumentWeight: (typeName, fieldName, argumentName) => argumentWeights.get(`${typeName}.${fieldName}(${argumentName})`),
    inputFieldWeight: (typeName, fieldName) => fieldWeights.get(`${typeName}.${fieldName}`),
    listSize: (typeName, fieldName) => listSizes.get(`${typeName}.${fieldName}`),
  };
}

function readListSize(directive: ConstDirectiveNode): ListSize {
  const args = new Map((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const assumedSize = args.get('assumedSize');
  return {
    assumedSize: typeof assumedSize === 'number' ? assumedSize : undefined,
    slicingArguments: strings(args.get('slicingArguments')),
    sizedFields: strings(args.get('sizedFields')),
    requireOneSlicingArgument: args.get('requireOneSlicingArgument') !== false,
  };
}
