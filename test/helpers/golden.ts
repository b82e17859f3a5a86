import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';

/** `UPDATE_GOLDEN=1 npx vitest run <file>` rewrites the golden files instead of comparing with them. */
export const UPDATING_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/**
 * Compares `actual` with the JSON golden file at `path` (pretty-printed, so a behaviour change is a readable
 * diff), or writes it in update mode. A missing golden file fails outside update mode.
 *
 * @example expectGolden(`${dir}__golden__/aliases.json`, shapeResult(input));
 */
export function expectGolden(path: string, actual: unknown): void {
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATING_GOLDEN) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return;
  }
  if (!existsSync(path)) throw new Error(`no golden file ${path}: run with UPDATE_GOLDEN=1, then review it by hand`);
  expect(JSON.parse(text), path).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

/** A golden case file: the inputs of every case of one module, in YAML (block scalars keep SDL readable). */
export function readGoldenCases<Case>(path: string): { schema: string; cases: Record<string, Case> } {
  return parseYaml(readFileSync(path, 'utf8'));
}
