import type { ComposeInput } from './compose.js';
import { fetchSubgraphSdl } from './fetch-subgraph-sdl.js';
import { readSourceFile } from './read-source-file.js';
import { readSupergraphConfig, type SupergraphConfig, type SupergraphConfigSubgraph } from './supergraph-config.js';
import { SupergraphLoadError } from './supergraph-load-error.js';

export { SupergraphLoadError } from './supergraph-load-error.js';

/**
 * Where the supergraph comes from: a composed supergraph SDL file, a rover supergraph.yaml to compose, or
 * the schema registry alone (gateway.yaml's `registry`: the published subgraphs are the whole graph).
 */
export type SupergraphSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'config'; readonly path: string }
  | { readonly kind: 'registry' };

/** Options of {@link loadSupergraphSdl}. */
export interface LoadSupergraphOptions {
  readonly signal?: AbortSignal;
  /** Per-subgraph limit for `subgraph_url` introspection. Default 30000 ms. */
  readonly introspectionTimeoutMs?: number;
}

/**
 * Loads a supergraph SDL. A `file` is returned as read (`buildSupergraph` validates it); a `config` is a
 * supergraph.yaml whose subgraph SDLs are read or introspected in parallel and then composed. Throws
 * {@link SupergraphLoadError} listing every problem: all unreadable subgraphs at once, or every
 * composition error formatted by {@link formatCompositionProblem}.
 *
 * @example
 * const sdl = await loadSupergraphSdl({ kind: 'config', path: 'supergraph.yaml' }, { signal });
 * const loaded = buildSupergraph(sdl);
 */
export async function loadSupergraphSdl(source: SupergraphSource, options: LoadSupergraphOptions = {}): Promise<string> {
  if (source.kind === 'file') return readSourceFile(source.path, { what: 'supergraph file', signal: options.signal });
  if (source.kind === 'registry') throw new SupergraphLoadError(['the schema registry is read by a running gateway (serve), not by this command: give --supergraph-config or --supergraph']);
  const { inputs } = await loadSubgraphInputs(source.path, options);
  return composeOrThrow(inputs);
}

/** The subgraph SDLs a supergraph.yaml lists, read or introspected, with the parsed file. */
export interface LoadedSubgraphInputs {
  readonly config: SupergraphConfig;
  readonly inputs: readonly ComposeInput[];
}

/**
 * Reads a supergraph.yaml and every subgraph SDL it lists (files read, `subgraph_url`s introspected, in
 * parallel). Throws {@link SupergraphLoadError} naming every subgraph that could not be read.
 *
 * @example
 * const { inputs } = await loadSubgraphInputs('supergraph.yaml');
 * inputs.map((input) => input.name); // ['accounts', 'products', ...]
 */
export async function loadSubgraphInputs(path: string, options: LoadSupergraphOptions = {}): Promise<LoadedSubgraphInputs> {
  const config = await readSupergraphConfig(path, { signal: options.signal });
  const settled = await Promise.allSettled(config.subgraphs.map((subgraph) => readSubgraph(subgraph, options)));
  options.signal?.throwIfAborted();
  const failures = settled.flatMap((outcome, index) => {
    if (outcome.status === 'fulfilled') return [];
    if (!(outcome.reason instanceof SupergraphLoadError)) throw outcome.reason;
    return [{ name: config.subgraphs[index]!.name, error: outcome.reason }];
  });
  if (failures.length > 0) {
    throw new SupergraphLoadError(
      failures.flatMap(({ name, error }) => error.problems.map((problem) => `${name}: ${problem}`)),
      { retryable: failures.every(({ error }) => error.retryable) },
    );
  }
  return { config, inputs: settled.map((outcome) => (outcome as PromiseFulfilledResult<ComposeInput>).value) };
}

/**
 * Composes subgraph SDLs, throwing {@link SupergraphLoadError} with one formatted line per composition
 * error (see `formatCompositionProblem`). `@apollo/composition` is loaded by the first composition, so a
 * gateway served from a composed supergraph file never loads it.
 */
export async function composeOrThrow(inputs: readonly ComposeInput[]): Promise<string> {
  const { composeSubgraphs, formatCompositionProblem } = await import('./compose.js');
  const result = composeSubgraphs(inputs);
  if ('errors' in result) throw new SupergraphLoadError(result.errors.map(formatCompositionProblem));
  return result.supergraphSdl;
}

async function readSubgraph(subgraph: SupergraphConfigSubgraph, options: LoadSupergraphOptions): Promise<ComposeInput> {
  const { name, routingUrl: url, schema } = subgraph;
  if (schema.kind === 'file') {
    const sdl = await readSourceFile(schema.path, { what: 'schema file', signal: options.signal });
    return { name, url, sdl, sourceName: schema.path };
  }
  const sdl = await fetchSubgraphSdl(schema.url, { signal: options.signal, timeoutMs: options.introspectionTimeoutMs, headers: schema.headers });
  return { name, url, sdl, sourceName: schema.url };
}
