import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the last supergraph the gateway served is kept, to start from when its sources do not answer. */
export interface SupergraphCache {
  /** The cached supergraph SDL, or `undefined` when there is none (yet). */
  read(): Promise<string | undefined>;
  /** Keeps `sdl` (written to a temporary file and renamed, so a reader never sees half a file). */
  write(sdl: string): Promise<void>;
  /** Where it lives, for logs. */
  readonly path: string;
}

/**
 * The cache of `reload.cacheDir`: one `supergraph.graphql` in that directory (created when missing).
 *
 * @example
 * const cache = directorySupergraphCache('/var/cache/atrium');
 * await cache.write(sdl);
 */
export function directorySupergraphCache(directory: string): SupergraphCache {
  const path = join(directory, 'supergraph.graphql');
  return {
    path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(sdl) {
      await mkdir(directory, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, sdl);
      await rename(temporary, path);
    },
  };
}
