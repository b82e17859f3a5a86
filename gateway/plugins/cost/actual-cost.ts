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

const NO_VARIABLES: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The cost of what a response actually holds: 10 for a mutation; every object returned counts its type
 * weight (the field's `@cost`, else the type's, else 1), every non-null leaf its `@cost` (else 0), list
 * items one by one; argument costs as estimated. Pure.
 *
 * What the walk works out per (selection, type) pair is kept per operation and cost schema for the next
 * response of the same operation, as long as no variable was read to work it out (see {@link walkerFor}).
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
  const walker = walkerFor(operation, document, options.costSchema);
  const cost = walker.walk(data as Record<string, unknown>, operation.selectionSet, root, options.variables);
  // A walk that read a variable (`@skip(if: $v)`, an argument cost from `$v`) keeps pairs worked out for
  // these variables only: the operation is then walked afresh every time.
  walkers.set(operation, walker.readVariables ? VARIABLE_DEPENDENT : walker);
  return base + cost;
}

/** Marks an operation whose walk depends on its variables. */
const VARIABLE_DEPENDENT = null;

/**
 * Walkers kept per operation node. Documents are cached by text (and an authorization-filtered document
 * per text and principal facts), so a hot operation is the same node request after request; entries go
 * with their documents.
 */
const walkers = new WeakMap<OperationDefinitionNode, ResponseWalker | typeof VARIABLE_DEPENDENT>();

/**
 * The kept walker of `operation` when it was made for this document and cost schema (a hot reload brings a
 * new cost schema) and no variable was read; otherwise a fresh one.
 */
function walkerFor(operation: OperationDefinitionNode, document: DocumentNode, costSchema: CostSchema): ResponseWalker {
  const kept = walkers.get(operation);
  if (kept && kept.costSchema === costSchema && kept.document === document) return kept;
  return new ResponseWalker(costSchema, document);
}

/** What costing one field of one parent type needs, worked out once per walk (`undefined`: it costs 0). */
interface FieldCosting {
  readonly weight: number | undefined;
  /** The field's named type is an object, interface or union type. */
  readonly composite: boolean;
  readonly namedType: GraphQLNamedType;
  readonly argumentsCost: number;
}

type Collected = Map<string, { field: FieldNode; parentType: GraphQLNamedType }>;

/** A collected field that costs something, with its response key and costing at hand for the per-object loop. */
interface CostedField {
  readonly key: string;
  readonly selectionSet: SelectionSetNode | undefined;
  readonly costing: FieldCosting;
  /**
   * The key names something every object inherits (`constructor`, `toString`, ...): an object without
   * it must be told apart by `Object.hasOwn`. Other keys are read once, and absent is `undefined` (a
   * response holds no `undefined`).
   */
  readonly inherited: boolean;
  /**
   * The fields of the objects this field last held, with the `__typename` they had (`undefined` when the
   * response has none): the objects under one field are nearly always of one type, so the next one
   * usually finds its fields here without a type or map lookup.
   */
  seenTypename?: unknown;
  seenFields?: readonly CostedField[];
}

/**
 * Walks responses of one operation. A response holds many objects of few (selection, type) pairs. Field
 * collection and each field's weight and argument cost depend only on the selection, the type and, where
 * a directive or an argument reads one, the variables, so they are worked out once per pair and reused
 * rather than per object; the per-object loop runs over a plain array of the fields that cost something
 * and allocates nothing (no closure, no iterator entry). The pairs stay valid for later responses as long
 * as `readVariables` is false; a walk that finds every pair worked out allocates nothing at all.
 */
class ResponseWalker {
  /** A variable was read to work out a pair: the pairs hold for the variables of that walk only. */
  readVariables = false;
  private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  private readonly collected = new Map<SelectionSetNode, Map<GraphQLNamedType, readonly CostedField[]>>();
  private readonly costings = new Map<FieldNode, Map<GraphQLNamedType, FieldCosting | undefined>>();
  /** The variables of the walk in progress (empty between walks: a kept walker holds no request's data). */
  private variables: Readonly<Record<string, unknown>> = NO_VARIABLES;
  /** Made when a walk first works out a pair, for that walk's variables. */
  private walkScorer: SelectionCostScorer | undefined;

  constructor(
    readonly costSchema: CostSchema,
    readonly document: DocumentNode,
  ) {
    this.fragments = fragmentsOf(document.definitions);
  }

  /** The cost of the fields of `data`, the response's root object. */
  walk(data: Record<string, unknown>, selectionSet: SelectionSetNode, root: GraphQLNamedType, variables: Readonly<Record<string, unknown>>): number {
    this.variables = variables;
    try {
      return this.objectCost(data, selectionSet, root);
    } finally {
      if (this.walkScorer?.usesVariables) this.readVariables = true;
      this.walkScorer = undefined;
      this.variables = NO_VARIABLES;
    }
  }

  /** Evaluates @skip/@include and argument costs the same way the estimate does. */
  private get scorer(): SelectionCostScorer {
    return (this.walkScorer ??= new SelectionCostScorer({ costSchema: this.costSchema, variables: this.variables, defaultListSize: 0 }));
  }

  /**
   * Cost of the fields of one returned object (its own weight is counted by the field that holds it, the
   * `holder`; none for the root object).
   */
  private objectCost(object: Record<string, unknown>, selectionSet: SelectionSetNode, staticType: GraphQLNamedType, holder?: CostedField): number {
    const typename = object.__typename;
    let fields: readonly CostedField[];
    if (holder !== undefined && holder.seenFields !== undefined && holder.seenTypename === typename) {
      fields = holder.seenFields;
    } else {
      const runtimeType = (typeof typename === 'string' && this.costSchema.schema.getType(typename)) || staticType;
      let byType = this.collected.get(selectionSet);
      if (byType === undefined) this.collected.set(selectionSet, (byType = new Map()));
      let collected = byType.get(runtimeType);
      if (collected === undefined) byType.set(runtimeType, (collected = this.costedFields(selectionSet, runtimeType)));
      fields = collected;
      if (holder !== undefined) {
        holder.seenTypename = typename;
        holder.seenFields = collected;
      }
    }
    let total = 0;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const value = field.inherited && !Object.hasOwn(object, field.key) ? undefined : object[field.key];
      if (value === undefined) continue;
      total += this.valueCost(value, field) + field.costing.argumentsCost;
    }
    return total;
  }

  /** The cost of a field's value: list items one by one, an object its weight and its own fields. */
  private valueCost(item: unknown, field: CostedField): number {
    if (item === null || item === undefined) return 0;
    const { weight, composite, namedType } = field.costing;
    if (Array.isArray(item)) {
      let sum = 0;
      for (let i = 0; i < item.length; i++) sum += this.valueCost(item[i], field);
      return sum;
    }
    if (composite && typeof item === 'object' && field.selectionSet) {
      return (weight ?? 1) + this.objectCost(item as Record<string, unknown>, field.selectionSet, namedType, field);
    }
    return weight ?? 0;
  }

  /** The collected fields of `selectionSet` on `type` that can cost something (the others add 0). */
  private costedFields(selectionSet: SelectionSetNode, type: GraphQLNamedType): CostedField[] {
    const out: CostedField[] = [];
    for (const [key, { field, parentType }] of this.collectFields(selectionSet, type)) {
      let byType = this.costings.get(field);
      if (byType === undefined) this.costings.set(field, (byType = new Map()));
      let costing = byType.get(parentType);
      if (costing === undefined && !byType.has(parentType)) byType.set(parentType, (costing = this.costingOf(field, parentType)));
      // A leaf without weight or argument costs adds 0 whatever it holds: the per-object loop skips it.
      if (costing !== undefined && (costing.composite || (costing.weight ?? 0) !== 0 || costing.argumentsCost !== 0)) {
        out.push({ key, selectionSet: field.selectionSet, costing, inherited: key in Object.prototype });
      }
    }
    return out;
  }

  private costingOf(field: FieldNode, parentType: GraphQLNamedType): FieldCosting | undefined {
    const name = field.name.value;
    if (name === '__typename' || !(isObjectType(parentType) || isInterfaceType(parentType))) return undefined;
    const definition = parentType.getFields()[name];
    if (!definition) return undefined;
    const namedType = getNamedType(definition.type);
    return {
      weight: this.costSchema.fieldWeight(parentType.name, name) ?? this.costSchema.typeWeight(namedType.name),
      composite: isCompositeType(namedType),
      namedType,
      argumentsCost: this.scorer.argumentsCostOf(field, parentType.name, definition),
    };
  }

  /**
   * The fields selected on an object of `type`, by response key, first occurrence winning, with the type
   * each is defined on. Fragments whose type condition does not apply are left out when the type is
   * concrete; for an abstract type (no `__typename` in the response) every fragment is followed.
   */
  private collectFields(
    selectionSet: SelectionSetNode,
    type: GraphQLNamedType,
    into: Collected = new Map(),
    parentType: GraphQLNamedType = type,
  ): Collected {
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
