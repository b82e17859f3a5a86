import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { isMet, type PrincipalFacts, type SchemaRequirements } from './requirements.js';

/** One level of a response path: a response key and the nullability of the field and of its list items. */
export interface PathStep {
  readonly key: string;
  /** `[field, items, items of items, ...]`: `[Order!]!` is `[false, false]`, `[Order]` is `[true, true]`. */
  readonly nullable: readonly boolean[];
}

/** A selection removed because the principal may not see it. */
export interface RemovedSelection {
  /** Response path of the error: response keys, `@` for list items (no indexes exist before execution). */
  readonly path: readonly string[];
  /** From the root to the parent object of the removed field; empty for a removed fragment. */
  readonly steps: readonly PathStep[];
  /**
   * What the response gets at `key` in the parent objects: `null` for a removed field (its placeholder, an
   * aliased `__typename`, is replaced), `delete` for a placeholder that only keeps a selection set non-empty,
   * `none` for a removed fragment (nothing to change; the error is all).
   */
  readonly action: 'null' | 'delete' | 'none';
  readonly key: string;
  readonly nonNull: boolean;
  /** Runtime types of the objects the placeholder answers in (its value is one of these names). */
  readonly parentTypes: ReadonlySet<string>;
}

/** The result of filtering one operation for one set of principal facts. */
export interface FilteredOperation {
  /** The document to plan instead, or `undefined` when the principal may see everything. */
  readonly document: DocumentNode | undefined;
  readonly removed: readonly RemovedSelection[];
  /** Nothing the principal may see is left: the response's `data` is null. */
  readonly nothingLeft: boolean;
}

/** Response key of the placeholder that keeps a selection set non-empty when all it had was removed fragments. */
const HIDDEN_KEY = 'atrium_authz_hidden';

/**
 * Removes from an operation every field, and every fragment on a type, that the principal's facts do not
 * satisfy (`@authenticated`, `@requiresScopes`, `@policy` on the field, on the type it returns, or — for a
 * field selected on an interface — on any implementation and its field). Each removed field is replaced by
 * an aliased `__typename` under the same response key, so no subgraph is asked for it, its place and type
 * conditions in the response stay exact, and `nullRemovedSelections` turns it into `null` afterwards.
 * Fragment spreads are inlined in the result, because one fragment may be visible in one place and not in
 * another. Pure: the same inputs give the same result, so it is cached per operation and facts.
 *
 * @example
 * const filtered = filterOperation({ schema, requirements, document, operation, facts });
 * filtered.removed.map((r) => r.path.join('.')); // ['me.email']
 */
export function filterOperation(input: {
  schema: GraphQLSchema;
  requirements: SchemaRequirements;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  facts: PrincipalFacts;
}): FilteredOperation {
  const filter = new OperationFilter(input.schema, input.requirements, input.facts, input.document);
  const rootType = input.schema.getRootType(input.operation.operation);
  if (!rootType) return { document: undefined, removed: [], nothingLeft: false };
  const root = filter.selectionSet(input.operation.selectionSet, rootType, [], [], new Set([rootType.name]));
  if (!filter.changed) return { document: undefined, removed: [], nothingLeft: false };
  const operation: OperationDefinitionNode = { ...input.operation, selectionSet: root.selectionSet };
  return {
    document: { kind: Kind.DOCUMENT, definitions: [operation] },
    removed: filter.removed,
    nothingLeft: !root.left,
  };
}

class OperationFilter {
  changed = false;
  readonly removed: RemovedSelection[] = [];
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly allowedFields = new Map<string, boolean>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly requirements: SchemaRequirements,
    private readonly facts: PrincipalFacts,
    document: DocumentNode,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  selectionSet(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: readonly string[],
    steps: readonly PathStep[],
    possible: ReadonlySet<string>,
  ): { selectionSet: SelectionSetNode; left: boolean } {
    const selections: SelectionNode[] = [];
    let left = false;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const kept = this.field(selection, parent, path, steps, possible);
        selections.push(kept.node);
        left ||= kept.left;
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : this.fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition ? this.schema.getType(fragment.typeCondition.name.value) : parent;
      if (!isCompositeType(condition)) continue;
      if (!this.typeAllowed(condition.name)) {
        this.remove({ path, steps: [], action: 'none', key: '', nonNull: false, parentTypes: possible });
        continue;
      }
      const narrowed = intersect(possible, this.possibleTypes(condition));
      const inner = this.selectionSet(fragment.selectionSet, condition, path, steps, narrowed);
      left ||= inner.left;
      selections.push({
        kind: Kind.INLINE_FRAGMENT,
        ...(fragment.typeCondition && { typeCondition: fragment.typeCondition }),
        directives: selection.directives,
        selectionSet: inner.selectionSet,
      });
    }
    if (selections.length === 0) {
      this.remove({ path, steps, action: 'delete', key: HIDDEN_KEY, nonNull: false, parentTypes: possible });
      selections.push(placeholder(HIDDEN_KEY));
    }
    return { selectionSet: { ...set, selections }, left };
  }

  private field(
    node: FieldNode,
    parent: GraphQLCompositeType,
    path: readonly string[],
    steps: readonly PathStep[],
    possible: ReadonlySet<string>,
  ): { node: SelectionNode; left: boolean } {
    const name = node.name.value;
    if (name.startsWith('__') || isAbstractType(parent) && !isInterfaceType(parent)) return { node, left: true };
    const definition = parent.getFields()[name];
    if (!definition) return { node, left: true };
    const key = node.alias?.value ?? name;
    if (!this.fieldAllowed(parent, definition)) {
      // Selected on an interface, the placeholder may answer with the interface's own name: a planner that
      // fetches no `__typename` there (Hive's) leaves the object to be shaped as the interface.
      const parentTypes = isInterfaceType(parent) ? new Set([...possible, parent.name]) : possible;
      this.remove({ path: [...path, key], steps, action: 'null', key, nonNull: isNonNullType(definition.type), parentTypes });
      return { node: { ...placeholder(key), directives: node.directives }, left: false };
    }
    if (!node.selectionSet) return { node, left: true };
    const type = getNamedType(definition.type) as GraphQLCompositeType;
    const step: PathStep = { key, nullable: nullability(definition.type) };
    const childPath = [...path, key, ...step.nullable.slice(1).map(() => '@')];
    const inner = this.selectionSet(node.selectionSet, type, childPath, [...steps, step], this.possibleTypes(type));
    return { node: inner.selectionSet === node.selectionSet ? node : { ...node, selectionSet: inner.selectionSet }, left: true };
  }

  private remove(selection: RemovedSelection): void {
    this.changed = true;
    this.removed.push(selection);
  }

  /** A field is visible when it, its return type and — on an interface — every implementation of it allow it. */
  private fieldAllowed(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): boolean {
    const cacheKey = `${parent.name}.${field.name}`;
    let allowed = this.allowedFields.get(cacheKey);
    if (allowed !== undefined) return allowed;
    allowed = this.typeAllowed(getNamedType(field.type).name) && this.ownFieldAllowed(parent.name, field.name);
    if (allowed && isInterfaceType(parent)) {
      for (const implementation of this.schema.getPossibleTypes(parent)) {
        if (!this.typeAllowed(implementation.name) || !this.ownFieldAllowed(implementation.name, field.name)) {
          allowed = false;
          break;
        }
      }
    }
    this.allowedFields.set(cacheKey, allowed);
    return allowed;
  }

  private ownFieldAllowed(typeName: string, fieldName: string): boolean {
    const requirement = this.requirements.fields.get(`${typeName}.${fieldName}`);
    return requirement === undefined || isMet(requirement, this.facts);
  }

  private typeAllowed(typeName: string): boolean {
    const requirement = this.requirements.types.get(typeName);
    return requirement === undefined || isMet(requirement, this.facts);
  }

  private possibleTypes(type: GraphQLCompositeType): ReadonlySet<string> {
    return isObjectType(type) ? new Set([type.name]) : new Set(this.schema.getPossibleTypes(type).map((t) => t.name));
  }
}

/** `key: __typename`: asks no subgraph anything, answers with the object's type name under the same key. */
function placeholder(key: string): FieldNode {
  return { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: key }, name: { kind: Kind.NAME, value: '__typename' } };
}

function nullability(type: GraphQLOutputType): boolean[] {
  const levels: boolean[] = [];
  let current: GraphQLOutputType = type;
  for (;;) {
    const nonNull = isNonNullType(current);
    if (isNonNullType(current)) current = current.ofType;
    levels.push(!nonNull);
    if (!isListType(current)) return levels;
    current = current.ofType as GraphQLOutputType;
  }
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  const both = new Set<string>();
  for (const name of a) if (b.has(name)) both.add(name);
  return both;
}
