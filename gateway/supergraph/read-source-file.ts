import { readFile } from 'node:fs/promises';
import { SupergraphLoadError } from './supergraph-load-error.js';

/**
 * Reads one input file of supergraph loading as UTF-8. A missing or unreadable file becomes a
 * {@link SupergraphLoadError} naming what the file is for (`supergraph file not found: x.graphql`);
 * an abort propagates as is.
 */
export async function readSourceFile(path: string, options: { what: string; signal?: AbortSignal }): Promise<string> {
  try {
    return await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? `${options.what} not found: ${path}` : `cannot read ${options.what} ${path}: ${(cause as Error).message}`;
    throw new SupergraphLoadError([problem], { cause });
  }
}
