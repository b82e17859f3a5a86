import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, and the way to remove it again. */
export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  readonly remove: () => Promise<void>;
}

/**
 * Creates `<os tmpdir>/<prefix>XXXXXX`. Its `remove` fits where vitest takes a teardown, so a test file
 * needs no afterAll/afterEach of its own:
 *
 * @example
 * let dir: TempDir;
 * beforeEach(async () => {
 *   dir = await tempDir('atrium-serve-');
 *   return dir.remove;
 * });
 * // in a single test: const dir = await tempDir('atrium-x-'); onTestFinished(dir.remove);
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
