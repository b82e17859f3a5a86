import type { Supergraph } from '@apollo/federation-internals';

/**
 * The name a spec's directive has in a supergraph, following its `@link` (imports and `as:` renames): for
 * `@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])` that is `listSize` and `cost`
 * (a spec's own-named directive keeps the spec's name), without an import it would be `cost__listSize`.
 * `undefined` when the supergraph does not link the spec.
 *
 * @example
 * linkedDirectiveName(loaded.supergraph, 'https://specs.apollo.dev/cost', 'listSize'); // 'listSize'
 */
export function linkedDirectiveName(supergraph: Supergraph, identity: string, directive: string): string | undefined {
  const feature = supergraph.schema.coreFeatures?.getByIdentity(identity);
  return feature?.directiveNameInSchema(directive);
}
