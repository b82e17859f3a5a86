import {
  type ArgumentNode,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { AtriumError } from '../../errors.js';
import type { CostSchema, ListSize } from './cost-schema.js';

/** What the estimate of one operation needs besides the selections. */
export interface SelectionCostOptions {
  readonly costSchema: CostSchema;
  /** Coerced variables of the request. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Size of a list without slicing argument or `assumedSize` (`cost.defaultListSize`). */
  readonly defaultListSize: number;
}

/** A `sizedFields` size handed from a connection field to its children. */
interface SizedFields {
  readonly names: readonly string[];
  readonly size: number;
}

/**
 * Estimated cost of selections, the demand-control way (Apollo Router / IBM cost spec): a field costs
 * n × (type weight + cost of its selections) + argument costs, where n is 1, or a list's size from its
 * slicing argument, `assumedSize` or the default list size. Pure: no I/O, no clock.
 *
 * One scorer serves one request: `usesVariables` says whether the variables changed the number (if not,
 * it may be cached per plan), and `multipliers` records how many objects each response path is expected
 * to hold, which is how many entities a later entity fetch at that path is for.
 */
export class SelectionCostScorer {
  usesVariables = false;
  readonly multipliers = new Map<string, number>();

  constructor(private readonly options: SelectionCostOptions) {}

  /**
   * Cost of a selection set on one object of `parentType`; `path` is the response path of that object
   * (for `multipliers`) and `count` how many such objects the operation is expected to produce.
   */
  selectionSetCost(
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    at: { path: string; count: number; sized?: SizedFields },
  ): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (this.skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        total += this.fieldCost(selection, parentType, fragments, at);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition && this.options.costSchema.schema.getType(fragment.typeCondition.name.value);
        total += this.selectionSetCost(fragment.selectionSet, condition ?? parentType, fragments, at);
      }
    }
    return total;
  }

  private fieldCost(
    field: FieldNode,
    parentType: GraphQLNamedType,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    at: { path: string; count: number; sized?: SizedFields },
  ): number {
    const name = field.name.value;
    if (name === '__typename' || !(isObjectType(parentType) || isInterfaceType(parentType))) return 0;
    const definition = parentType.getFields()[name];
    if (!definition) return 0;
    const { costSchema } = this.options;
    const namedType = getNamedType(definition.type);
    const listDepth = listDepthOf(definition.type);
    const listSize = costSchema.listSize(parentType.name, name);

    let count = 1;
    let sizedForChildren: SizedFields | undefined;
    if (listDepth > 0) {
      count = at.sized?.names.includes(name) ? at.sized.size : (this.sizeFromListSize(field, definition, listSize) ?? this.options.defaultListSize);
    } else if (listSize && listSize.sizedFields.length > 0) {
      const size = this.sizeFromListSize(field, definition, listSize) ?? this.options.defaultListSize;
      sizedForChildren = { names: listSize.sizedFields, size };
    }

    const composite = isCompositeType(namedType);
    const weight = costSchema.fieldWeight(parentType.name, name) ?? costSchema.typeWeight(namedType.name) ?? (composite ? 1 : 0);
    let childCost = 0;
    if (composite && field.selectionSet) {
      const key = field.alias?.value ?? name;
      const path = (at.path === '' ? key : `${at.path}/${key}`) + '/@'.repeat(listDepth);
      const objects = at.count * count;
      this.multipliers.set(path, Math.max(this.multipliers.get(path) ?? 0, objects));
      childCost = this.selectionSetCost(field.selectionSet, namedType, fragments, { path, count: objects, ...(sizedForChildren && { sized: sizedForChildren }) });
    }
    return count * (weight + childCost) + this.argumentsCostOf(field, parentType.name, definition);
  }

  /**
   * The largest slicing argument given (list arguments count their length), else `assumedSize`;
   * `undefined` when neither applies.
   */
  private sizeFromListSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, listSize: ListSize | undefined): number | undefined {
    if (!listSize) return undefined;
    const sizes: number[] = [];
    for (const argumentName of listSize.slicingArguments) {
      const value = this.argumentValue(field, definition, argumentName);
      if (typeof value === 'number') sizes.push(Math.max(0, Math.floor(value)));
      else if (Array.isArray(value)) sizes.push(value.length);
    }
    if (listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0 && sizes.length !== 1) {
      throw new AtriumError(
        'COST_QUERY_PARSE_FAILURE',
        `field "${definition.name}" needs exactly one of its slicing arguments (${listSize.slicingArguments.join(', ')}), got ${sizes.length}`,
      );
    }
    if (sizes.length > 0) return Math.max(...sizes);
    return listSize.assumedSize;
  }

  /** An argument's value: the literal, the variable's value, or the argument's default. */
  private argumentValue(field: FieldNode, definition: GraphQLField<unknown, unknown>, argumentName: string): unknown {
    const node = field.arguments?.find((a) => a.name.value === argumentName);
    if (node) {
      if (node.value.kind === Kind.VARIABLE) {
        this.usesVariables = true;
        const value = this.options.variables[node.value.name.value];
        if (value !== undefined) return value;
      } else {
        if (hasVariable(node.value)) this.usesVariables = true;
        return valueFromASTUntyped(node.value, this.options.variables);
      }
    }
    return definition.args.find((a) => a.name === argumentName)?.defaultValue;
  }

  /** Argument costs: `@cost` on arguments and input fields; input objects cost 1 plus their fields. */
  argumentsCostOf(field: FieldNode, typeName: string, definition: GraphQLField<unknown, unknown>): number {
    if (!field.arguments || field.arguments.length === 0) return 0;
    let total = 0;
    for (const argument of field.arguments) {
      const argumentDefinition = definition.args.find((a) => a.name === argument.name.value);
      if (!argumentDefinition) continue;
      const weight = this.options.costSchema.argumentWeight(typeName, definition.name, argumentDefinition.name);
      const named = getNamedType(argumentDefinition.type);
      // Only arguments that can cost something are read: a plain scalar argument costs 0 whatever its value.
      if (weight === undefined && !isInputObjectType(named) && !isListType(getNullableType(argumentDefinition.type))) continue;
      total += this.inputValueCost(this.literalOrVariable(argument), argumentDefinition.type, weight);
    }
    return total;
  }

  private literalOrVariable(argument: ArgumentNode): unknown {
    if (hasVariable(argument.value)) this.usesVariables = true;
    return valueFromASTUntyped(argument.value, this.options.variables);
  }

  private inputValueCost(value: unknown, type: GraphQLInputType, weight: number | undefined): number {
    if (value === null || value === undefined) return 0;
    const nullable = getNullableType(type);
    if (Array.isArray(value)) {
      const itemType = isListType(nullable) ? (nullable.ofType as GraphQLInputType) : type;
      return value.reduce<number>((sum, item) => sum + this.inputValueCost(item, itemType, weight), weight ?? 0);
    }
    const named = getNamedType(type);
    if (isInputObjectType(named) && typeof value === 'object') {
      let total = weight ?? 1;
      const fields = named.getFields();
      for (const [key, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        const fieldDefinition = fields[key];
        if (!fieldDefinition) continue;
        total += this.inputValueCost(fieldValue, fieldDefinition.type, this.options.costSchema.inputFieldWeight(named.name, key));
      }
      return total;
    }
    return weight ?? 0;
  }

  /** `@skip(if: true)` or `@include(if: false)`, from a literal or a variable. */
  skipped(directives: readonly DirectiveNode[] | undefined): boolean {
    if (!directives || directives.length === 0) return false;
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directive.arguments?.find((a) => a.name.value === 'if')?.value;
      if (!condition) continue;
      if (condition.kind === Kind.VARIABLE) this.usesVariables = true;
      const value = valueFromASTUntyped(condition, this.options.variables) === true;
      if (name === 'skip' ? value : !value) return true;
    }
    return false;
  }
}

/** The fragment definitions of a document, by name. */
export function fragmentsOf(definitions: readonly { kind: Kind }[]): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments.set(fragment.name.value, fragment);
    }
  }
  return fragments;
}

function listDepthOf(type: unknown): number {
  let depth = 0;
  let current = getNullableType(type as GraphQLInputType);
  while (isListType(current)) {
    depth += 1;
    current = getNullableType(current.ofType);
  }
  return depth;
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => hasVariable(f.value));
  return false;
}
