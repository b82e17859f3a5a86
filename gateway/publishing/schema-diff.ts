import {
  BreakingChangeType,
  findBreakingChanges,
  findDangerousChanges,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
} from 'graphql';

/** How a change affects existing clients. */
export type ChangeSeverity = 'breaking' | 'dangerous' | 'safe';

/** One difference between two API schemas. */
export interface SchemaChange {
  readonly severity: ChangeSeverity;
  /** What kind of change it is, e.g. `field-removed`, `output-nullability-loosened`, `field-added`. */
  readonly category: string;
  /** graphql-js's sentence for it, e.g. `Product.weight was removed.` */
  readonly message: string;
}

const BREAKING_CATEGORY: Readonly<Record<string, string>> = {
  [BreakingChangeType.TYPE_REMOVED]: 'type-removed',
  [BreakingChangeType.TYPE_CHANGED_KIND]: 'type-changed-kind',
  [BreakingChangeType.TYPE_REMOVED_FROM_UNION]: 'union-member-removed',
  [BreakingChangeType.VALUE_REMOVED_FROM_ENUM]: 'enum-value-removed',
  [BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED]: 'required-input-field-added',
  [BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED]: 'interface-removed',
  [BreakingChangeType.FIELD_REMOVED]: 'field-removed',
  [BreakingChangeType.REQUIRED_ARG_ADDED]: 'required-argument-added',
  [BreakingChangeType.ARG_REMOVED]: 'argument-removed',
  [BreakingChangeType.DIRECTIVE_REMOVED]: 'directive-removed',
  [BreakingChangeType.DIRECTIVE_ARG_REMOVED]: 'directive-changed',
  [BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED]: 'directive-changed',
  [BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED]: 'directive-changed',
  [BreakingChangeType.DIRECTIVE_LOCATION_REMOVED]: 'directive-changed',
};

/**
 * Compares the client-facing API schema before and after a change. Breaking and dangerous changes come
 * from graphql-js (`findBreakingChanges`, `findDangerousChanges`) and are put into Atrium's categories: a
 * type change that only drops `!` on an output field is `output-nullability-loosened` (clients may now get
 * null where they could not before), one that adds `!` to an argument or input field is
 * `input-nullability-tightened` (requests that omitted it now fail). The opposite directions cannot break
 * a request that works today; they are listed as `dangerous`, because a newly non-null output field that
 * fails now nulls its parent instead of itself. Added types and fields are listed as `safe`.
 * Pure: no I/O.
 *
 * @example
 * diffApiSchemas(liveApiSchema, candidateApiSchema).filter((change) => change.severity === 'breaking');
 * // [{ severity: 'breaking', category: 'field-removed', message: 'Product.weight was removed.' }]
 */
export function diffApiSchemas(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const change of findBreakingChanges(before, after)) {
    let category = BREAKING_CATEGORY[change.type] ?? 'other';
    if (change.type === BreakingChangeType.FIELD_CHANGED_KIND || change.type === BreakingChangeType.ARG_CHANGED_KIND) {
      const onlyNullability = nullabilityOnly(change.description);
      const input = change.type === BreakingChangeType.ARG_CHANGED_KIND || isInputObjectType(before.getType(change.description.split('.')[0]!));
      category = onlyNullability ? (input ? 'input-nullability-tightened' : 'output-nullability-loosened') : 'type-changed';
    }
    changes.push({ severity: 'breaking', category, message: change.description });
  }
  for (const change of findDangerousChanges(before, after)) {
    changes.push({ severity: 'dangerous', category: change.type.toLowerCase().replaceAll('_', '-'), message: change.description });
  }
  changes.push(...nullabilityTightenings(before, after), ...additions(before, after));
  return changes;
}

/** `X.y changed type from Int! to Int.` → true when the two types differ only in `!`. */
function nullabilityOnly(description: string): boolean {
  const match = /changed type from (\S+) to (\S+?)\.?$/.exec(description);
  return match !== null && match[1]!.replaceAll('!', '') === match[2]!.replaceAll('!', '');
}

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField;

function fieldsOf(schema: GraphQLSchema, typeName: string): Readonly<Record<string, AnyField>> | undefined {
  const type = schema.getType(typeName);
  return isObjectType(type) || isInterfaceType(type) || isInputObjectType(type) ? type.getFields() : undefined;
}

function userTypeNames(schema: GraphQLSchema): string[] {
  return Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith('__'));
}

function nullabilityTightenings(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const typeName of userTypeNames(after)) {
    const oldFields = fieldsOf(before, typeName);
    const newFields = fieldsOf(after, typeName);
    if (!oldFields || !newFields) continue;
    const input = isInputObjectType(after.getType(typeName));
    for (const [fieldName, field] of Object.entries(newFields)) {
      const old = oldFields[fieldName];
      if (!old || String(old.type).replaceAll('!', '') !== String(field.type).replaceAll('!', '')) continue;
      if (!input && !isNonNullType(old.type) && isNonNullType(field.type)) {
        changes.push({ severity: 'dangerous', category: 'output-nullability-tightened', message: `${typeName}.${fieldName} changed type from ${old.type} to ${field.type}.` });
      }
      if (input && isNonNullType(old.type) && !isNonNullType(field.type)) {
        changes.push({ severity: 'dangerous', category: 'input-nullability-loosened', message: `${typeName}.${fieldName} changed type from ${old.type} to ${field.type}.` });
      }
    }
  }
  return changes;
}

function additions(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const typeName of userTypeNames(after)) {
    if (!before.getType(typeName)) {
      changes.push({ severity: 'safe', category: 'type-added', message: `Type ${typeName} was added.` });
      continue;
    }
    const oldFields = fieldsOf(before, typeName);
    const newFields = fieldsOf(after, typeName);
    if (!oldFields || !newFields) continue;
    for (const fieldName of Object.keys(newFields)) {
      if (!Object.hasOwn(oldFields, fieldName)) {
        changes.push({ severity: 'safe', category: 'field-added', message: `${typeName}.${fieldName} was added.` });
      }
    }
  }
  return changes;
}
