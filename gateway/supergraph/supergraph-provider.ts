import type { ComposeInput } from './compose.js';
import { composeOrThrow, loadSubgraphInputs, type SupergraphSource } from './load-supergraph.js';
import { readSourceFile } from './read-source-file.js';
import { SupergraphLoadError } from './supergraph-load-error.js';
import { watchFiles } from './watch-files.js';

/** One loaded version of the supergraph. */
export interface SupergraphSnapshot {
  readonly sdl: string;
  /** The subgraph SDLs it was composed from; absent when a supergraph composed elsewhere was read. */
  readonly subgraphs?: readonly ComposeInput[];
}

/** Where the gateway's supergraph comes from, and how it learns that it changed. */
export interface SupergraphProvider {
  /** Loads the current supergraph. Throws {@link SupergraphLoadError} naming every problem. */
  load(signal?: AbortSignal): Promise<SupergraphSnapshot>;
  /**
   * Calls `onChange` whenever the source may have changed (a file was written, a poll is due, a schema
   * was published). Calls may come in bursts and may be false alarms: the caller debounces and compares.
   * Returns a function that stops watching.
   */
  watch(onChange: (reason: string) => void): () => void;
}

/**
 * Subgraph SDLs kept outside supergraph.yaml (the schema registry): each replaces the supergraph.yaml
 * subgraph of the same name, or joins the graph when there is none.
 */
export interface SubgraphOverlay {
  current(signal?: AbortSignal): Promise<readonly ComposeInput[]>;
  /** Same contract as {@link SupergraphProvider.watch}. */
  watch(onChange: (reason: string) => void): () => void;
}

/** Options of {@link createSupergraphProvider}. */
export interface SupergraphProviderOptions {
  /** Watch the files (supergraph file, or supergraph.yaml and its schema files). */
  readonly watchFiles: boolean;
  /** Re-introspect `subgraph_url` sources this often; 0 = never. */
  readonly pollIntervalMs: number;
  /** Per-subgraph limit of one introspection. */
  readonly introspectionTimeoutMs?: number;
  readonly overlay?: SubgraphOverlay;
  /** Told when a directory cannot be watched. */
  readonly onWatchError?: (error: unknown, directory: string) => void;
}

/**
 * The provider for `atrium serve`'s supergraph source. A `file` source reads a composed supergraph; a
 * `config` source reads supergraph.yaml, reads or introspects every subgraph, puts the overlay's subgraphs
 * over them and composes; a `registry` source composes the overlay's (the registry's) subgraphs alone, and
 * fails retryably while there is none. Its watch follows the files the last load read (so a schema file added to
 * supergraph.yaml is watched from the next load on) and polls introspected subgraphs.
 *
 * @example
 * const provider = createSupergraphProvider({ kind: 'config', path: 'supergraph.yaml' }, { watchFiles: true, pollIntervalMs: 10_000 });
 * const { sdl } = await provider.load();
 * const stop = provider.watch((reason) => console.log('maybe changed:', reason));
 */
export function createSupergraphProvider(source: SupergraphSource, options: SupergraphProviderOptions): SupergraphProvider {
  if (source.kind === 'file' && options.overlay) {
    throw new SupergraphLoadError([
      `a schema registry needs the subgraph SDLs: serve with --supergraph-config (supergraph.yaml), not --supergraph ${source.path}`,
    ]);
  }
  const { overlay } = options;
  if (source.kind === 'registry' && !overlay) throw new SupergraphLoadError(['a gateway that starts from the schema registry needs `registry` in gateway.yaml']);
  let files: readonly string[] = source.kind === 'registry' ? [] : [source.path];
  let introspected = false;
  let refreshWatch: (() => void) | undefined;

  const remember = (nextFiles: readonly string[], nextIntrospected: boolean) => {
    introspected = nextIntrospected;
    const changed = nextFiles.length !== files.length || nextFiles.some((file, i) => file !== files[i]);
    files = nextFiles;
    if (changed) refreshWatch?.();
  };

  return {
    async load(signal) {
      if (source.kind === 'file') {
        return { sdl: await readSourceFile(source.path, { what: 'supergraph file', signal }) };
      }
      if (source.kind === 'registry') {
        const published = await overlay!.current(signal);
        // Retryable: a publish (from any replica sharing the registry) ends the wait.
        if (published.length === 0) throw new SupergraphLoadError(['the schema registry has no published subgraph yet'], { retryable: true });
        return { sdl: await composeOrThrow(published), subgraphs: published };
      }
      const [base, published] = await Promise.all([
        loadSubgraphInputs(source.path, { signal, introspectionTimeoutMs: options.introspectionTimeoutMs }),
        options.overlay?.current(signal) ?? [],
      ]);
      const schemaFiles = base.config.subgraphs.flatMap((s) => (s.schema.kind === 'file' ? [s.schema.path] : []));
      remember([source.path, ...schemaFiles], base.config.subgraphs.some((s) => s.schema.kind === 'introspect'));
      const subgraphs = overlaySubgraphs(base.inputs, published);
      return { sdl: await composeOrThrow(subgraphs), subgraphs };
    },

    watch(onChange) {
      let stopFiles = () => {};
      refreshWatch = () => {
        stopFiles();
        stopFiles = options.watchFiles ? watchFiles(files, (path) => onChange(`file ${path}`), options.onWatchError) : () => {};
      };
      refreshWatch();
      const poll =
        options.pollIntervalMs > 0 && source.kind === 'config'
          ? setInterval(() => introspected && onChange('introspection poll'), options.pollIntervalMs)
          : undefined;
      poll?.unref();
      const stopOverlay = options.overlay?.watch(onChange) ?? (() => {});
      return () => {
        refreshWatch = undefined;
        stopFiles();
        clearInterval(poll);
        stopOverlay();
      };
    },
  };
}

/**
 * supergraph.yaml's subgraphs with the published ones put over them: same name replaces (keeping the file's
 * order), a new name is appended.
 *
 * @example
 * overlaySubgraphs([accountsFromFile, productsFromFile], [productsV3]); // [accountsFromFile, productsV3]
 */
export function overlaySubgraphs(base: readonly ComposeInput[], published: readonly ComposeInput[]): ComposeInput[] {
  const byName = new Map(published.map((input) => [input.name, input]));
  const merged = base.map((input) => byName.get(input.name) ?? input);
  const baseNames = new Set(base.map((input) => input.name));
  for (const input of published) if (!baseNames.has(input.name)) merged.push(input);
  return merged;
}
