import { composeServices } from '@apollo/composition';
import { type DocumentNode, type GraphQLError, getLocation, parse, Source } from 'graphql';

/** One subgraph to compose. `sourceName` (a file path or URL) is what error locations name. */
export interface ComposeInput {
  readonly name: string;
  /** Routing URL written into the supergraph. */
  readonly url: string;
  readonly sdl: string;
  readonly sourceName: string;
}

/** Where in which subgraph's SDL a problem is. Lines and columns are 1-based. */
export interface ProblemLocation {
  readonly subgraph: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A composition error, with the subgraph SDL locations federation attached to it. */
export interface CompositionProblem {
  /** Federation's error code (`FIELD_TYPE_MISMATCH`, `INVALID_GRAPHQL`, ...). */
  readonly code: string;
  readonly message: string;
  readonly locations: readonly ProblemLocation[];
}

export type ComposeResult = { readonly supergraphSdl: string } | { readonly errors: readonly CompositionProblem[] };

/**
 * Composes subgraph SDLs into a supergraph SDL. Pure: no I/O. Each SDL is parsed with its `sourceName`
 * so that every problem carries subgraph, file, line and column; syntax errors are reported the same way
 * (composition does not run when an SDL does not parse).
 *
 * @example
 * const result = composeSubgraphs([{ name: 'products', url: 'http://localhost:4002/graphql', sdl, sourceName: 'schema/products.graphql' }]);
 * if ('errors' in result) console.error(result.errors.map(formatCompositionProblem).join('\n'));
 */
export function composeSubgraphs(inputs: readonly ComposeInput[]): ComposeResult {
  const subgraphBySource = new Map<Source, ComposeInput>();
  const syntaxProblems: CompositionProblem[] = [];
  const services: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  for (const input of inputs) {
    const source = new Source(input.sdl, input.sourceName);
    subgraphBySource.set(source, input);
    try {
      services.push({ name: input.name, url: input.url, typeDefs: parse(source) });
    } catch (error) {
      syntaxProblems.push(toProblem(error as GraphQLError, subgraphBySource, 'INVALID_GRAPHQL'));
    }
  }
  if (syntaxProblems.length > 0) return { errors: syntaxProblems };

  const result = composeServices(services);
  if (result.errors) return { errors: result.errors.map((error) => toProblem(error, subgraphBySource)) };
  return { supergraphSdl: result.supergraphSdl };
}

function toProblem(error: GraphQLError, subgraphBySource: ReadonlyMap<Source, ComposeInput>, fallbackCode = 'COMPOSITION_ERROR'): CompositionProblem {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : fallbackCode;
  const locations: ProblemLocation[] = [];
  const seen = new Set<string>();
  const add = (source: Source | undefined, position: number | undefined) => {
    const input = source && subgraphBySource.get(source);
    if (!input || position === undefined) return;
    const { line, column } = getLocation(source, position);
    const key = `${input.name}:${line}:${column}`;
    if (seen.has(key)) return;
    seen.add(key);
    locations.push({ subgraph: input.name, file: input.sourceName, line, column });
  };
  // Composition errors point at AST nodes of the parsed subgraph documents (loc.source is the Source we
  // parsed); syntax errors carry the source and character positions instead.
  for (const node of error.nodes ?? []) add(node.loc?.source, node.loc?.start);
  if (locations.length === 0) for (const position of error.positions ?? []) add(error.source, position);
  return { code, message: withoutSubgraphPrefix(error.message, locations), locations };
}

// Federation prefixes some messages with "[subgraph] "; drop it when the locations already name it.
function withoutSubgraphPrefix(message: string, locations: readonly ProblemLocation[]): string {
  const match = /^\[([^\]]+)\] /.exec(message);
  if (match && locations.length > 0 && locations.every((location) => location.subgraph === match[1])) {
    return message.slice(match[0].length);
  }
  return message;
}

/**
 * One line for an operator:
 * `products (schema/products.graphql:12:3): [FIELD_TYPE_MISMATCH] Type of field "Product.price" is ...`.
 * Several locations are listed comma-separated before the colon; none, and the line starts at the code.
 */
export function formatCompositionProblem(problem: CompositionProblem): string {
  const where = problem.locations
    .map((location) => `${location.subgraph} (${location.file}:${location.line}:${location.column})`)
    .join(', ');
  return `${where === '' ? '' : `${where}: `}[${problem.code}] ${problem.message}`;
}
