import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { INVENTORY_SDL, PRICE_AS_STRING_SDL, PRODUCTS_SDL } from '../supergraph/fixtures.js';
import { runMain as run } from '../../helpers/captured-io.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

describe('atrium compose', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('atrium-cli-');
    return dir.remove;
  });

  async function writeGraph(inventorySdl: string): Promise<string> {
    await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
    await writeFile(join(dir.path, 'inventory.graphql'), inventorySdl);
    const path = join(dir.path, 'supergraph.yaml');
    await writeFile(
      path,
      [
        'subgraphs:',
        '  products:',
        '    routing_url: http://localhost:4002/graphql',
        '    schema: { file: products.graphql }',
        '  inventory:',
        '    routing_url: http://localhost:4003/graphql',
        '    schema: { file: inventory.graphql }',
      ].join('\n'),
    );
    return path;
  }

  it('prints the supergraph SDL to stdout', async () => {
    const { code, out, err } = await run('compose', await writeGraph(INVENTORY_SDL));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('PRODUCTS @join__graph(name: "products", url: "http://localhost:4002/graphql")');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('writes the supergraph SDL to the -o file', async () => {
    const output = join(dir.path, 'supergraph.graphql');
    const { code, out, err } = await run('compose', await writeGraph(INVENTORY_SDL), '-o', output);
    expect({ code, out, err }).toEqual({ code: 0, out: '', err: '' });
    expect(await readFile(output, 'utf8')).toContain('INVENTORY @join__graph(name: "inventory"');
  });

  it('prints each composition problem with subgraph, file and line, then exits 1', async () => {
    const path = await writeGraph(PRICE_AS_STRING_SDL);
    const { code, out, err } = await run('compose', path);
    expect(code).toBe(1);
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^inventory \\(${escapeRegExp(join(dir.path, 'inventory.graphql'))}:6:3\\), products \\(${escapeRegExp(join(dir.path, 'products.graphql'))}:10:3\\): \\[FIELD_TYPE_MISMATCH\\] Type of field "Product.price"`,
      ),
    );
    expect(lines.at(-1)).toBe(`atrium: could not compose ${path} (1 problem)`);
  });

  it('reports an invalid supergraph.yaml as a failure (exit 1) naming the key', async () => {
    const path = join(dir.path, 'supergraph.yaml');
    await writeFile(path, 'subgraphs:\n  products:\n    routing_url: http://localhost:4002/graphql\n    schema: { files: p.graphql }\n');
    const { code, err } = await run('compose', path);
    expect(code).toBe(1);
    expect(err).toContain(`${path}: subgraphs.products.schema.files: unknown key\n`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
