import { type ConstDirectiveNode, type GraphQLSchema, isEnumType, Kind, parse, type SelectionSetNode } from 'graphql';
import type { JsonObject } from './json-merge.js';

/**
 * The `@key`s each subgraph resolves entities by, read once per supergraph from its `@join__type(graph:,
 * key:)` directives: subgraph name ─► type name ─► keys, each key the list of its top-level fields.
 */
export type EntityKeys = ReadonlyMap<string, ReadonlyMap<string, readonly (readonly string[])[]>>;

/**
 * Reads the entity keys of a supergraph (graphql-js schema with the join directives in its AST).
 *
 * @example
 * entityKeys(supergraphSchema).get('reviews')?.get('Book'); // [['isbn']]
 */
export function entityKeys(supergraph: GraphQLSchema): EntityKeys {
  const graphs = new Map<string, string>();
  const graphEnum = supergraph.getType('join__Graph');
  if (isEnumType(graphEnum)) {
    for (const value of graphEnum.getValues()) {
      const name = stringArgument(value.astNode?.directives?.find((d) => d.name.value === 'join__graph'), 'name');
      if (name !== undefined) graphs.set(value.name, name);
    }
  }
  const keys = new Map<string, Map<string, string[][]>>();
  for (const type of Object.values(supergraph.getTypeMap())) {
    const nodes = [type.astNode, ...(type.extensionASTNodes ?? [])];
    for (const node of nodes) {
      for (const directive of node?.directives ?? []) {
        if (directive.name.value !== 'join__type') continue;
        const key = stringArgument(directive, 'key');
        const graph = directive.arguments?.find((a) => a.name.value === 'graph')?.value;
        const subgraph = graph?.kind === Kind.ENUM ? graphs.get(graph.value) : undefined;
        if (key === undefined || subgraph === undefined) continue;
        let byType = keys.get(subgraph);
        if (!byType) keys.set(subgraph, (byType = new Map()));
        let typeKeys = byType.get(type.name);
        if (!typeKeys) byType.set(type.name, (typeKeys = []));
        typeKeys.push(topLevelFields(key));
      }
    }
  }
  return keys;
}

/**
 * Whether a representation can identify its entity in the subgraph: some `@key` of its type there has all
 * its top-level fields present and not null. A type without known keys passes (nothing to check against).
 * A representation that fails is not sent: the subgraph would refuse it ("Invalid reference") and could
 * lose every other entity of the batch with it.
 */
export function hasUsableKey(representation: JsonObject, keys: ReadonlyMap<string, readonly (readonly string[])[]> | undefined): boolean {
  const typeKeys = keys?.get(representation.__typename as string);
  if (!typeKeys || typeKeys.length === 0) return true;
  return typeKeys.some((fields) => fields.every((field) => representation[field] !== null && representation[field] !== undefined));
}

function topLevelFields(key: string): string[] {
  const selectionSet: SelectionSetNode = (parse(`{${key}}`, { noLocation: true }).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
  return selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

function stringArgument(directive: ConstDirectiveNode | undefined, name: string): string | undefined {
  const value = directive?.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}
