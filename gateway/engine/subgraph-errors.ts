import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ResponsePath } from '@apollo/query-planner';

/** What of a subgraph's GraphQL errors reaches the client, per subgraph (`subgraphErrors` in gateway.yaml). */
export interface SubgraphErrorPolicy {
  /** Extension keys forwarded besides `code` (which is always forwarded). */
  readonly allowExtensions: readonly string[];
  /** Replace the subgraph's message with a neutral one naming only the subgraph. */
  readonly redactMessage: boolean;
}

/** Turns one GraphQL error a subgraph returned into the error the client sees. */
export type SubgraphErrorMapper = (error: GraphQLFormattedError, serviceName: string, path: ResponsePath | undefined) => GraphQLError;

/** Forward the message and `extensions.code`, nothing else: what an empty gateway.yaml does. */
export const DEFAULT_SUBGRAPH_ERROR_POLICY: SubgraphErrorPolicy = { allowExtensions: [], redactMessage: false };

/**
 * The client's view of subgraph errors: `message` (or a neutral one when redacted), the response `path`,
 * `extensions.code` (SUBGRAPH_ERROR when the subgraph gave none), `extensions.serviceName`, and only the
 * extension keys the subgraph's policy allows. Everything else a subgraph puts in an error — `stacktrace`,
 * `exception`, SQL, internal ids, the subgraph's own `locations` — stays inside the gateway.
 *
 * @example
 * const mapError = subgraphErrorMapper(() => ({ allowExtensions: ['retryable'], redactMessage: false }));
 * mapError({ message: 'boom', extensions: { code: 'X', stacktrace: ['...'] } }, 'products', undefined);
 * // GraphQLError 'boom' with extensions { code: 'X', serviceName: 'products' }
 */
export function subgraphErrorMapper(policyOf: (serviceName: string) => SubgraphErrorPolicy): SubgraphErrorMapper {
  return (error, serviceName, path) => {
    const policy = policyOf(serviceName);
    const given = error.extensions ?? {};
    const extensions: Record<string, unknown> = {};
    for (const key of policy.allowExtensions) {
      if (Object.hasOwn(given, key) && key !== 'serviceName') extensions[key] = given[key];
    }
    extensions.code = typeof given.code === 'string' && given.code ? given.code : 'SUBGRAPH_ERROR';
    extensions.serviceName = serviceName;
    const message =
      !policy.redactMessage && typeof error.message === 'string' && error.message ? error.message : `error from subgraph "${serviceName}"`;
    return new GraphQLError(message, { path, extensions });
  };
}

/** The `subgraphErrors` section of gateway.yaml, as parsed. */
export interface SubgraphErrorsConfig {
  readonly all: Partial<SubgraphErrorPolicy>;
  readonly subgraphs: Readonly<Record<string, Partial<SubgraphErrorPolicy>>>;
}

/**
 * The policy of one subgraph: `subgraphErrors.subgraphs.<name>` over `subgraphErrors.all`.
 *
 * @example
 * subgraphErrorPolicy(config.subgraphErrors, 'products'); // { allowExtensions: [], redactMessage: false }
 */
export function subgraphErrorPolicy(config: SubgraphErrorsConfig, name: string): SubgraphErrorPolicy {
  const own = Object.hasOwn(config.subgraphs, name) ? config.subgraphs[name] : undefined;
  return {
    allowExtensions: own?.allowExtensions ?? config.all.allowExtensions ?? [],
    redactMessage: own?.redactMessage ?? config.all.redactMessage ?? false,
  };
}
