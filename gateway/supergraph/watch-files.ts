import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange(path)` when one of `paths` is written, replaced or removed. It watches the files'
 * directories rather than the files: editors and deploy tools save by writing a temporary file and
 * renaming it over the old one, which a watch on the old file's inode would miss. Events come in bursts;
 * callers debounce. A directory that cannot be watched (missing, no permission) is reported to `onError`
 * once and skipped. Returns a function that stops every watcher.
 *
 * @example
 * const stop = watchFiles(['supergraph.yaml', 'schema/products.graphql'], (path) => log.info({ path }, 'changed'));
 * stop();
 */
export function watchFiles(
  paths: readonly string[],
  onChange: (path: string) => void,
  onError: (error: unknown, directory: string) => void = () => {},
): () => void {
  const namesByDirectory = new Map<string, Set<string>>();
  for (const path of paths) {
    const absolute = resolve(path);
    const directory = dirname(absolute);
    let names = namesByDirectory.get(directory);
    if (!names) namesByDirectory.set(directory, (names = new Set()));
    names.add(basename(absolute));
  }
  const watchers: FSWatcher[] = [];
  for (const [directory, names] of namesByDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, filename) => {
        // Some platforms omit the file name: then any change in the directory counts.
        if (filename === null) onChange(directory);
        else if (names.has(filename.toString())) onChange(resolve(directory, filename.toString()));
      });
      watcher.on('error', (error) => onError(error, directory));
      watchers.push(watcher);
    } catch (error) {
      onError(error, directory);
    }
  }
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
