import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The repository root: the nearest ancestor of this module holding `supergraph.yaml`.
 * Walking up works both from `subgraphs/` (tsx, vitest) and from the compiled `dist/subgraphs/`.
 *
 * @example readFileSync(join(findRepoRoot(), 'supergraph.yaml'), 'utf8')
 */
export function findRepoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'supergraph.yaml'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no supergraph.yaml found above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

/**
 * The SDL of one demo subgraph, read from `schema/<name>.graphql`.
 *
 * @example const sdl = readSubgraphSdl('accounts');
 */
export function readSubgraphSdl(name: string): string {
  return readFileSync(join(findRepoRoot(), 'schema', `${name}.graphql`), 'utf8');
}
