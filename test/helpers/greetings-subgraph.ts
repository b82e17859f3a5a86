import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { type RunningSubgraph, serveDemoSubgraph, type ServeOptions } from '../../subgraphs/shared/serve-demo-subgraph.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable"])';

/** Successive schemas of the `greetings` test subgraph, as its team would publish them. */
export const GREETINGS = {
  /** The first version: one field. */
  v1: `${LINK}\n\ntype Query {\n  hello: String\n}\n`,
  /** Adds a field and an optional argument: no breaking change. */
  v2: `${LINK}\n\ntype Query {\n  hello: String\n  goodbye(name: String): String\n}\n`,
  /** Removes `hello` (line 4 is `goodbye`), makes `goodbye`'s argument required: two breaking changes. */
  breaking: `${LINK}\n\ntype Query {\n  goodbye(name: String!): String\n}\n`,
  /** Does not compose: `goodbye`'s type `Strng` (line 5, column 12) does not exist. */
  invalid: `${LINK}\n\ntype Query {\n  hello: String\n  goodbye: Strng\n}\n`,
} as const;

/** Another team's subgraph that also wants `Query.goodbye`: it conflicts with {@link GREETINGS}.v2. */
export const FAREWELLS_SDL = `${LINK}\n\ntype Query {\n  goodbye(name: String): String\n}\n`;

/** A subgraph that composes with every greetings version. */
export const WEATHER_SDL = `${LINK}\n\ntype Query {\n  weather: String\n}\n`;

/**
 * Starts a real subgraph server that already resolves every field any version above declares, the way a
 * team deploys its service before publishing the schema that exposes the new fields.
 *
 * @example
 * const greetings = await startGreetingsSubgraph();
 * // publish GREETINGS.v1 with url greetings.url
 */
export function startGreetingsSubgraph(name = 'greetings', serve: ServeOptions = {}): Promise<RunningSubgraph> {
  const sdl = `${LINK}\n\ntype Query {\n  hello: String\n  goodbye(name: String): String\n  weather: String\n}\n`;
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: {
      Query: {
        hello: () => 'hello',
        goodbye: (_: unknown, args: { name?: string }) => `goodbye${args.name ? ` ${args.name}` : ''}`,
        weather: () => 'sunny',
      },
    } as any,
  });
  return serveDemoSubgraph({ name, sdl, schema, createContext: () => ({}), reset() {} }, serve);
}
