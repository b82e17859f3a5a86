import { type FieldNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

/** A field of a selection set, with the type condition of the fragment it sits in (if any). */
export interface SelectedField {
  readonly node: FieldNode;
  /** Response key: the alias, else the field name. */
  readonly key: string;
  /** Type condition of the innermost fragment around the field; `undefined` directly in the selection set. */
  readonly typeCondition: string | undefined;
}

/**
 * The fields of a selection set with inline fragments and fragment spreads flattened, in document order.
 * Fields repeated under the same response key are listed once per occurrence (GraphQL merges them).
 *
 * @example
 * selectedFields(operation.selectionSet, fragmentsOf(document)).map((f) => f.key); // ['product']
 */
export function selectedFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  typeCondition?: string,
  visited: ReadonlySet<string> = new Set(),
): SelectedField[] {
  const fields: SelectedField[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields.push({ node: selection, key: selection.alias?.value ?? selection.name.value, typeCondition });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...selectedFields(selection.selectionSet, fragments, selection.typeCondition?.name.value ?? typeCondition, visited));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // Validation rejects unknown and cyclic spreads; the guard keeps this total anyway.
      if (!fragment || visited.has(name)) continue;
      fields.push(...selectedFields(fragment.selectionSet, fragments, fragment.typeCondition.name.value, new Set([...visited, name])));
    }
  }
  return fields;
}
