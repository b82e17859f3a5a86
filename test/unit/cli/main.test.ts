import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../gateway/cli/main.js';
import { INVENTORY_SDL, PRICE_AS_STRING_SDL, PRODUCTS_SDL } from '../supergraph/fixtures.js';
import { capturedIo } from './captured-io.js';

async function run(...argv: string[]) {
  const io = capturedIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('atrium help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists the commands', async (flag) => {
    const { code, out, err } = await run(flag);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^Usage: atrium <command>/);
    expect(out).toMatch(/serve\s+Run the gateway/);
    expect(out).toMatch(/compose\s+Compose a supergraph/);
  });

  it('starts every command summary in one column, whatever the longest command name', async () => {
    const { out } = await run('--help');
    const lines = out.slice(out.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n\n')[0]!.split('\n');
    expect(lines.map((line) => line.match(/^ {2}\S+/)?.[0])).not.toContain(undefined);
    expect(lines.length).toBeGreaterThan(8);
    const columns = new Set(lines.map((line) => line.search(/(?<=\S {2,})\S/)));
    expect([...columns]).toHaveLength(1);
  });

  it.each([
    ['serve', '--help'],
    ['serve', '-h'],
    ['help', 'serve'],
    ['serve', '--prot', '--help'],
  ])('atrium %s %s prints the serve usage with flags, defaults and examples', async (...argv) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: atrium serve/);
    expect(out).toContain('--supergraph-config <file>');
    expect(out).toContain('(default 4000; 0 = any free port)');
    expect(out).toContain('Examples:');
  });

  it.each([['compose', '--help'], ['help', 'compose']])('atrium %s %s prints the compose usage', async (...argv) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: atrium compose \[supergraph.yaml\]/);
    expect(out).toContain('-o, --output <file>');
  });

  it('prints the usage to stderr and exits 2 without a command', async () => {
    const { code, out, err } = await run();
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^Usage: atrium/);
  });
});

describe('atrium usage errors', () => {
  it.each([
    [['srve'], 'atrium: unknown command "srve" (see atrium --help)'],
    [['help', 'srve'], 'atrium: unknown command "srve" (see atrium --help)'],
    [['--prot'], 'atrium: unknown flag --prot (see atrium --help)'],
    [['serve', '--prot', '4000'], 'atrium: unknown flag --prot (see atrium serve --help)'],
    [['serve', '--port'], 'atrium: flag --port needs a value (see atrium serve --help)'],
    [['serve', '--port', 'http'], 'atrium: --port expects a number from 0 to 65535, got "http" (see atrium serve --help)'],
    [['serve', 'extra'], 'atrium: unexpected argument "extra" (see atrium serve --help)'],
    [['serve', '--supergraph', 'x.graphql'], 'atrium: supergraph file not found: x.graphql'],
    [['serve', '--supergraph-config', 'x.yaml'], 'atrium: supergraph config not found: x.yaml'],
    [['serve', '--supergraph', 'a', '--supergraph-config', 'b'], 'atrium: give either --supergraph-config or --supergraph, not both (see atrium serve --help)'],
    [['compose', '--out', 'x'], 'atrium: unknown flag --out (see atrium compose --help)'],
    [['compose', 'missing.yaml'], 'atrium: supergraph config not found: missing.yaml'],
    [['compose', 'a.yaml', 'b.yaml'], 'atrium: unexpected argument "b.yaml" (see atrium compose --help)'],
  ])('%j → exit 2 and one line', async (argv, line) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`${line}\n`);
  });
});

describe('atrium compose', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeGraph(inventorySdl: string): Promise<string> {
    await writeFile(join(dir, 'products.graphql'), PRODUCTS_SDL);
    await writeFile(join(dir, 'inventory.graphql'), inventorySdl);
    const path = join(dir, 'supergraph.yaml');
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
    const output = join(dir, 'supergraph.graphql');
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
        `^inventory \\(${escapeRegExp(join(dir, 'inventory.graphql'))}:6:3\\), products \\(${escapeRegExp(join(dir, 'products.graphql'))}:10:3\\): \\[FIELD_TYPE_MISMATCH\\] Type of field "Product.price"`,
      ),
    );
    expect(lines.at(-1)).toBe(`atrium: could not compose ${path} (1 problem)`);
  });

  it('reports an invalid supergraph.yaml as a failure (exit 1) naming the key', async () => {
    const path = join(dir, 'supergraph.yaml');
    await writeFile(path, 'subgraphs:\n  products:\n    routing_url: http://localhost:4002/graphql\n    schema: { files: p.graphql }\n');
    const { code, err } = await run('compose', path);
    expect(code).toBe(1);
    expect(err).toContain(`${path}: subgraphs.products.schema.files: unknown key\n`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
