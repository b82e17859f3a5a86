import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  parse,
  print,
  type SelectionSetNode,
} from 'graphql';

/**
 * The first response key of a subgraph operation that two different fields share, or `undefined`.
 * A planner that adds a key field (`sku`) next to a client field aliased to that name (`sku: name`) without
 * renaming one of them writes an operation the subgraph refuses ("fields conflict"); this finds it before
 * it is sent. Conservative: fields under different type conditions count as one selection, so a key reused
 * legitimately across disjoint types is reported too (the caller then plans another way).
 *
 * @example
 * responseKeyConflict('{ topProducts { sku: name sku } }'); // 'topProducts.sku'
 * responseKeyConflict('{ a: product(upc: "1") { name } b: product(upc: "2") { name } }'); // undefined
 */
export function responseKeyConflict(operation: string): string | undefined {
  const document = parse(operation, { noLocation: true });
  const fragments = fragmentsOf(document);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const conflict = conflictIn([definition.selectionSet], fragments, '');
    if (conflict) return conflict;
  }
  return undefined;
}

function conflictIn(sets: readonly SelectionSetNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>, at: string): string | undefined {
  const byKey = new Map<string, { signature: string; subsets: SelectionSetNode[] }>();
  const visit = (set: SelectionSetNode, visited: Set<string>): string | undefined => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const conflict = visit(selection.selectionSet, visited);
        if (conflict) return conflict;
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visited.has(fragment.name.value)) continue;
        visited.add(fragment.name.value);
        const conflict = visit(fragment.selectionSet, visited);
        if (conflict) return conflict;
      } else {
        const key = selection.alias?.value ?? selection.name.value;
        const signature = signatureOf(selection);
        const seen = byKey.get(key);
        if (seen && seen.signature !== signature) return `${at}${key}`;
        const entry = seen ?? { signature, subsets: [] };
        if (selection.selectionSet) entry.subsets.push(selection.selectionSet);
        byKey.set(key, entry);
      }
    }
    return undefined;
  };
  for (const set of sets) {
    const conflict = visit(set, new Set());
    if (conflict) return conflict;
  }
  for (const [key, { subsets }] of byKey) {
    if (subsets.length === 0) continue;
    const conflict = conflictIn(subsets, fragments, `${at}${key}.`);
    if (conflict) return conflict;
  }
  return undefined;
}

/** A field's name and arguments: two fields under one response key must agree on both. */
function signatureOf(field: FieldNode): string {
  if (!field.arguments?.length) return field.name.value;
  const args = [...field.arguments].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
  return `${field.name.value}(${args.map((a) => `${a.name.value}:${print(a.value)}`).join(',')})`;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
