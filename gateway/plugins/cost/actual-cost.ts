import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostSchema } from './cost-schema.js';
import { MUTATION_BASE_COST } from './plan-cost.js';
import { fragmentsOf, SelectionCostScorer } from './selection-cost.js';

/**
 * The cost of what a response actually holds: 10 for a mutation; every object returned counts its type
 * weight (the field's `@cost`, else the type's, else 1), every non-null leaf its `@cost` (else 0), list
 * items one by one; argument costs as estimated. Pure.
 *
 * @example
 * actualCost(data, operation, document, { costSchema, variables: {} }); // 3 for 3 returned objects of weight 1
 */
export function actualCost(
  data: unknown,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  options: { costSchema: CostSchema; variables: Readonly<Record<string, unknown>> },
): number {
  const root = options.costSchema.schema.getRootType(operation.operation);
  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  if (!root || data === null || typeof data !== 'object') return base;
  const walker = new ResponseWalker(options.costSchema, options.variables, fragmentsOf(document.definitions));
  return base + walker.objectCost(data as Record<string, unknown>, operation.selectionSet, root);
}

class ResponseWalker {
  private readonly scorer: SelectionCostScorer;

  constructor(
    private readonly costSchema: CostSchema,
    variables: Readonly<Record<string, unknown>>,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {
    // The scorer evaluates @skip/@include and argument costs the same way the estimate does.
    this.scorer = new SelectionCostScorer({ costSchema, variables, defaultListSize: 0 });
  }

  /** Cost of the fields of one returned object (its own weight is counted by the field that holds it). */
  objectCost(object: Record<string, unknown>, selectionSet: SelectionSetNode, staticType: GraphQLNamedType): number {
    const typename = object.__typename;
    const runtimeType = (typeof typename === 'string' && this.costSchema.schema.getType(typename)) || staticType;
    let total = 0;
    for (const [key, { field, parentType }] of this.collectFields(selectionSet, runtimeType)) {
      if (!Object.hasOwn(object, key)) continue;
      total += this.fieldCost(object[key], field, parentType);
    }
    return total;
  }

  private fieldCost(value: unknown, field: FieldNode, parentType: GraphQLNamedType): number {
    const name = field.name.value;
    if (name === '__typename' || !(isObjectType(parentType) || isInterfaceType(parentType))) return 0;
    const definition = parentType.getFields()[name];
    if (!definition) return 0;
    const namedType = getNamedType(definition.type);
    const weight = this.costSchema.fieldWeight(parentType.name, name) ?? this.costSchema.typeWeight(namedType.name);
    const valueCost = (item: unknown): number => {
      if (item === null || item === undefined) return 0;
      if (Array.isArray(item)) return item.reduce<number>((sum, inner) => sum + valueCost(inner), 0);
      if (isCompositeType(namedType) && typeof item === 'object' && field.selectionSet) {
        return (weight ?? 1) + this.objectCost(item as Record<string, unknown>, field.selectionSet, namedType);
      }
      return weight ?? 0;
    };
    return valueCost(value) + this.scorer.argumentsCostOf(field, parentType.name, definition);
  }

  /**
   * The fields selected on an object of `type`, by response key, first occurrence winning, with the type
   * each is defined on. Fragments whose type condition does not apply are left out when the type is
   * concrete; for an abstract type (no `__typename` in the response) every fragment is followed.
   */
  private collectFields(
    selectionSet: SelectionSetNode,
    type: GraphQLNamedType,
    into = new Map<string, { field: FieldNode; parentType: GraphQLNamedType }>(),
    parentType: GraphQLNamedType = type,
  ): Map<string, { field: FieldNode; parentType: GraphQLNamedType }> {
    for (const selection of selectionSet.selections) {
      if (this.scorer.skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (!into.has(key)) into.set(key, { field: selection, parentType });
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : this.fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition ? this.costSchema.schema.getType(fragment.typeCondition.name.value) : type;
      if (!condition || !this.applies(condition, type)) continue;
      this.collectFields(fragment.selectionSet, type, into, isObjectType(type) ? type : condition);
    }
    return into;
  }

  private applies(condition: GraphQLNamedType, type: GraphQLNamedType): boolean {
    if (condition === type || isAbstractType(type)) return true;
    return isAbstractType(condition) && isObjectType(type) && this.costSchema.schema.isSubType(condition, type);
  }
}
