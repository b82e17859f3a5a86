import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReloadOutcome } from '../../gateway/supergraph/supergraph-lifecycle.js';
import { DEMO_SUBGRAPHS, findRepoRoot } from '../../subgraphs/index.js';
import { tempDir } from './temp-dir.js';

/** A supergraph.yaml over copies of the demo schema files, which a test may edit to trigger hot reloads. */
export interface EditableSupergraph {
  readonly dir: string;
  /** Path of the supergraph.yaml. */
  readonly configPath: string;
  /** Path of one subgraph's schema file copy. */
  schemaPath(name: string): string;
  /** Replaces a schema file atomically (temporary file + rename), as deploy tools do. */
  writeSchema(name: string, sdl: string): Promise<void>;
  /** The original demo SDL of a subgraph. */
  originalSchema(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Copies the demo subgraphs' schema files into a temporary directory and writes a supergraph.yaml routing
 * to `urls`.
 *
 * @example
 * const demo = await startDemoSubgraphs({ host: '127.0.0.1' });
 * const files = await createEditableSupergraph(demo.urls);
 * await files.writeSchema('products', (await files.originalSchema('products')).replace('  bundles: [Bundle!]!\n', ''));
 */
export async function createEditableSupergraph(urls: Readonly<Record<string, string>>): Promise<EditableSupergraph> {
  const { path: dir, remove: removeDir } = await tempDir('atrium-editable-');
  const root = findRepoRoot();
  const lines = ['federation_version: 2', 'subgraphs:'];
  for (const name of DEMO_SUBGRAPHS) {
    await copyFile(join(root, 'schema', `${name}.graphql`), join(dir, `${name}.graphql`));
    lines.push(`  ${name}:`, `    routing_url: ${urls[name]}`, '    schema:', `      file: ./${name}.graphql`);
  }
  const configPath = join(dir, 'supergraph.yaml');
  await writeFile(configPath, `${lines.join('\n')}\n`);
  let writes = 0;
  return {
    dir,
    configPath,
    schemaPath: (name) => join(dir, `${name}.graphql`),
    async writeSchema(name, sdl) {
      const temporary = join(dir, `.${name}.${++writes}.tmp`);
      await writeFile(temporary, sdl);
      await rename(temporary, join(dir, `${name}.graphql`));
    },
    originalSchema: (name) => readFile(join(root, 'schema', `${name}.graphql`), 'utf8'),
    close: removeDir,
  };
}

/** Resolves with the next reload outcome that swapped or failed; rejects after `withinMs`. */
export function nextReload(supergraph: { onReload(listener: (outcome: ReloadOutcome) => void): () => void }, withinMs = 15_000): Promise<ReloadOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no reload within ${withinMs} ms`));
    }, withinMs);
    const off = supergraph.onReload((outcome) => {
      clearTimeout(timer);
      off();
      resolve(outcome);
    });
  });
}
