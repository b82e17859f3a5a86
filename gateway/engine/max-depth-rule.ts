import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Validation rule: rejects operations whose selections nest deeper than `maxDepth` (counting fields;
 * fragments are expanded). Deep nesting costs planning time and memory long before any subgraph is
 * asked, so it is refused during validation (HTTP 400, `GRAPHQL_VALIDATION_FAILED`, with
 * `extensions.limit`). Fragment cycles are left to graphql-js's own NoFragmentCycles rule.
 */
export function maxDepthRule(maxDepth: number): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(operation) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const depth = depthOf(operation.selectionSet, fragments, new Set(), maxDepth);
      if (depth > maxDepth) {
        context.reportError(
          // depthOf stops counting one level past the limit, so the message says "more than", not a number.
          new GraphQLError(`operation nests more than ${maxDepth} levels deep; graphql.maxDepth allows ${maxDepth}`, {
            nodes: [operation],
            extensions: { limit: { name: 'maxDepth', max: maxDepth } },
          }),
        );
      }
    },
  });
}

/** Depth of a selection set; stops counting once past `cap` so hostile documents stay cheap to check. */
function depthOf(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  cap: number,
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      depth = selection.selectionSet && cap > 0 ? 1 + depthOf(selection.selectionSet, fragments, visiting, cap - 1) : 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = depthOf(selection.selectionSet, fragments, visiting, cap);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !visiting.has(fragment.name.value)) {
        visiting.add(fragment.name.value);
        depth = depthOf(fragment.selectionSet, fragments, visiting, cap);
        visiting.delete(fragment.name.value);
      }
    }
    if (depth > deepest) deepest = depth;
    if (deepest > cap) return deepest;
  }
  return deepest;
}
