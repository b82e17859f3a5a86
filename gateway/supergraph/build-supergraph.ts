import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';
import { AtriumError } from '../errors.js';
import { internOneByteNames } from './one-byte-names.js';

/**
 * The supergraph features Atrium accepts. Besides core/join/tag/inaccessible it takes the security
 * (`@authenticated`, `@requiresScopes`, `@policy`) and cost (`@cost`, `@listSize`) specs because Atrium
 * enforces them itself; ApolloGateway refuses supergraphs that use them.
 * `@context`/`@fromContext` (context/v0.1) are accepted: operations that select a field with contextual
 * arguments are planned by Apollo's planner, whose context rewrites Atrium's executor runs; the apollo
 * executor, which does not run them, refuses such a supergraph at startup.
 */
export const ATRIUM_SUPPORTED_FEATURES: ReadonlySet<string> = new Set(
  [
    'core/v0.1', 'core/v0.2',
    'join/v0.1', 'join/v0.2', 'join/v0.3', 'join/v0.4', 'join/v0.5',
    'tag/v0.1', 'tag/v0.2', 'tag/v0.3',
    'inaccessible/v0.1', 'inaccessible/v0.2',
    'authenticated/v0.1', 'requiresScopes/v0.1', 'policy/v0.1',
    'cost/v0.1',
    'context/v0.1',
  ].map((spec) => `https://specs.apollo.dev/${spec}`),
);

/** One subgraph as the supergraph names it, with the URL the gateway calls. */
export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

/** A supergraph ready to plan against: built once per schema version, shared by all requests. */
export interface LoadedSupergraph {
  /** The supergraph SDL as loaded (composed here or by another tool). */
  readonly sdl: string;
  /** Federation's model of the supergraph, as the query planner takes it. */
  readonly supergraph: Supergraph;
  /** The client-facing schema: no join/core directives, no @inaccessible elements. */
  readonly apiSchema: GraphQLSchema;
  /** Subgraphs by name, with their routing URLs (possibly overridden by gateway.yaml). */
  readonly subgraphs: ReadonlyMap<string, SubgraphEndpoint>;
}

/**
 * Builds the planner's and the API's view of a supergraph SDL. Throws `AtriumError` with code
 * `INTERNAL_SERVER_ERROR` wrapping federation's message when the SDL is not a valid supergraph or uses a
 * feature Atrium does not implement.
 *
 * @example
 * const loaded = buildSupergraph(readFileSync('supergraph.graphql', 'utf8'));
 * loaded.subgraphs.get('products')?.url; // 'http://localhost:4002/graphql'
 */
export function buildSupergraph(
  sdl: string,
  options: { urlOverrides?: Readonly<Record<string, string>> } = {},
): LoadedSupergraph {
  // Before federation reads the SDL: its names must be interned one-byte first (one-byte-names.ts).
  const names = internOneByteNames(sdl);
  let supergraph: Supergraph;
  try {
    supergraph = Supergraph.build(sdl, { supportedFeatures: new Set(ATRIUM_SUPPORTED_FEATURES) });
  } catch (cause) {
    throw new AtriumError('INTERNAL_SERVER_ERROR', `invalid supergraph: ${(cause as Error).message}`, { cause });
  }
  const subgraphs = new Map<string, SubgraphEndpoint>();
  for (const { name, url } of supergraph.subgraphsMetadata()) {
    subgraphs.set(name, { name, url: options.urlOverrides?.[name] ?? url });
  }
  const loaded: LoadedSupergraph = {
    sdl,
    supergraph,
    // @defer is served (docs/defer.md); @stream is declared so that using it gets STREAM_NOT_SUPPORTED, not
    // an unknown-directive validation error.
    apiSchema: supergraph.apiSchema().toGraphQLJSSchema({ includeDefer: true, includeStream: true }),
    subgraphs,
  };
  namesOf.set(loaded, names);
  return loaded;
}

/** The interned names of each loaded supergraph, kept as long as it is. */
const namesOf = new WeakMap<LoadedSupergraph, object>();
