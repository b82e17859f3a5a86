import { buildSubgraphSchema } from '@apollo/subgraph';
import { type GraphQLSchema, parse } from 'graphql';

/** What a subgraph's context may know about the HTTP request: its headers (lower-case names). */
export interface DemoRequest {
  readonly headers: Readonly<Record<string, string>>;
}
import { readSubgraphSdl } from './repo-root.js';

/**
 * One demo subgraph, ready to serve over HTTP or to execute in process: its schema, the per-request
 * context factory (fresh DataLoaders) and a reset of its in-memory data.
 */
export interface DemoSubgraph<TContext extends object = object> {
  name: string;
  /** The SDL as read from `schema/<name>.graphql`. */
  sdl: string;
  schema: GraphQLSchema;
  createContext(request?: DemoRequest): TContext;
  /** Restores the seed data, undoing mutations. */
  reset(): void;
}

/**
 * Resolvers by type name, then field name (plus `__resolveReference` and `__resolveType`), in the
 * shape `buildSubgraphSchema` takes. Each resolver declares its own parent and argument types.
 */
export type ResolverMap = Record<string, Record<string, ((...args: any[]) => unknown) | SubscriptionResolver>>;

/** A Subscription field: `subscribe` returns the event stream, `resolve` maps each event to the field's value. */
export interface SubscriptionResolver {
  subscribe(...args: any[]): AsyncIterable<unknown>;
  resolve?(...args: any[]): unknown;
}

/** What a subgraph module supplies; see {@link defineDemoSubgraph}. */
export interface DemoSubgraphParts<TContext extends object> {
  name: string;
  resolvers: ResolverMap;
  createContext(request?: DemoRequest): TContext;
  reset(): void;
  /** Wraps the built schema (for example the orders service's field rule). */
  wrapSchema?(schema: GraphQLSchema): GraphQLSchema;
}

/**
 * Builds a demo subgraph from `schema/<name>.graphql` and the given resolvers.
 *
 * @example defineDemoSubgraph({ name: 'accounts', resolvers, createContext, reset })
 */
export function defineDemoSubgraph<TContext extends object>(
  parts: DemoSubgraphParts<TContext>,
): DemoSubgraph<TContext> {
  const sdl = readSubgraphSdl(parts.name);
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    // The library's map type is looser than ours per field but stricter per type; the shapes match.
    resolvers: parts.resolvers as any,
  });
  return {
    name: parts.name,
    sdl,
    schema: parts.wrapSchema ? parts.wrapSchema(schema) : schema,
    createContext: parts.createContext,
    reset: parts.reset,
  };
}
