import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSupergraphSdl, SupergraphLoadError } from '../../../gateway/supergraph/load-supergraph.js';
import { INVENTORY_SDL, PRICE_AS_STRING_SDL, PRODUCTS_SDL } from './fixtures.js';
import { refusedUrl, startHttpServer, subgraphHandler } from './http-test-server.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

async function problemsOf(loading: Promise<unknown>): Promise<readonly string[]> {
  const error = await loading.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SupergraphLoadError);
  return (error as SupergraphLoadError).problems;
}

describe('loadSupergraphSdl', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('atrium-supergraph-');
    return dir.remove;
  });

  async function writeSupergraphYaml(subgraphs: Record<string, { routing: string; schema: string }>): Promise<string> {
    const lines = ['federation_version: =2.9.0', 'subgraphs:'];
    for (const [name, { routing, schema }] of Object.entries(subgraphs)) {
      lines.push(`  ${name}:`, `    routing_url: ${routing}`, `    schema: ${schema}`);
    }
    const path = join(dir.path, 'supergraph.yaml');
    await writeFile(path, lines.join('\n'));
    return path;
  }

  it('returns a supergraph file as read', async () => {
    const path = join(dir.path, 'supergraph.graphql');
    await writeFile(path, 'not even checked here');
    await expect(loadSupergraphSdl({ kind: 'file', path })).resolves.toBe('not even checked here');
  });

  it('names a missing supergraph file', async () => {
    const path = join(dir.path, 'missing.graphql');
    expect(await problemsOf(loadSupergraphSdl({ kind: 'file', path }))).toEqual([`supergraph file not found: ${path}`]);
  });

  it('composes the subgraphs of a supergraph.yaml, from files relative to it', async () => {
    await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
    await writeFile(join(dir.path, 'inventory.graphql'), INVENTORY_SDL);
    const path = await writeSupergraphYaml({
      products: { routing: 'http://localhost:4002/graphql', schema: '{ file: ./products.graphql }' },
      inventory: { routing: 'http://localhost:4003/graphql', schema: '{ file: inventory.graphql }' },
    });
    const sdl = await loadSupergraphSdl({ kind: 'config', path });
    expect(sdl).toContain('PRODUCTS @join__graph(name: "products", url: "http://localhost:4002/graphql")');
    expect(sdl).toContain('INVENTORY @join__graph(name: "inventory", url: "http://localhost:4003/graphql")');
  });

  it('mixes files and introspected subgraphs', async () => {
    const { url, close } = await startHttpServer(subgraphHandler(INVENTORY_SDL));
    try {
      await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
      const path = await writeSupergraphYaml({
        products: { routing: 'http://localhost:4002/graphql', schema: '{ file: products.graphql }' },
        inventory: { routing: 'http://inventory.internal/graphql', schema: `{ subgraph_url: "${url}" }` },
      });
      const sdl = await loadSupergraphSdl({ kind: 'config', path });
      expect(sdl).toContain('INVENTORY @join__graph(name: "inventory", url: "http://inventory.internal/graphql")');
    } finally {
      await close();
    }
  });

  it("sends introspection_headers, with ${env.NAME} expanded anywhere in supergraph.yaml, as rover does (issue 19, item 7)", async () => {
    const seen: (string | undefined)[] = [];
    const introspect = subgraphHandler(INVENTORY_SDL);
    const { url, close } = await startHttpServer((request, response) => {
      seen.push(request.headers['x-introspection-token'] as string | undefined);
      if (request.headers['x-introspection-token'] !== 's3cret') {
        response.writeHead(401).end('token required');
        return;
      }
      introspect(request, response);
    });
    vi.stubEnv('ATRIUM_TEST_INTROSPECTION_TOKEN', 's3cret');
    vi.stubEnv('ATRIUM_TEST_INVENTORY_URL', 'http://inventory.internal/graphql');
    try {
      await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
      const path = join(dir.path, 'supergraph.yaml');
      await writeFile(
        path,
        [
          'subgraphs:',
          '  products:',
          '    routing_url: ${env.ATRIUM_TEST_PRODUCTS_URL:-http://localhost:4002/graphql}',
          '    schema: { file: products.graphql }',
          '  inventory:',
          '    routing_url: ${env.ATRIUM_TEST_INVENTORY_URL}',
          '    schema:',
          `      subgraph_url: ${url}`,
          '      introspection_headers:',
          '        x-introspection-token: ${env.ATRIUM_TEST_INTROSPECTION_TOKEN}',
        ].join('\n'),
      );
      const sdl = await loadSupergraphSdl({ kind: 'config', path });
      expect(sdl).toContain('INVENTORY @join__graph(name: "inventory", url: "http://inventory.internal/graphql")');
      expect(sdl).toContain('PRODUCTS @join__graph(name: "products", url: "http://localhost:4002/graphql")');
      expect(seen).toEqual(['s3cret']);

      vi.stubEnv('ATRIUM_TEST_INTROSPECTION_TOKEN', undefined);
      expect(await problemsOf(loadSupergraphSdl({ kind: 'config', path }))).toEqual([
        `${path}: subgraphs.inventory.schema.introspection_headers.x-introspection-token: environment variable ATRIUM_TEST_INTROSPECTION_TOKEN is not set (used as \${env.ATRIUM_TEST_INTROSPECTION_TOKEN})`,
      ]);
      expect(seen).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
      await close();
    }
  });

  it('reports composition errors naming subgraph, file and line:column', async () => {
    await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
    await writeFile(join(dir.path, 'inventory.graphql'), PRICE_AS_STRING_SDL);
    const path = await writeSupergraphYaml({
      products: { routing: 'http://localhost:4002/graphql', schema: '{ file: products.graphql }' },
      inventory: { routing: 'http://localhost:4003/graphql', schema: '{ file: inventory.graphql }' },
    });
    const problems = await problemsOf(loadSupergraphSdl({ kind: 'config', path }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `inventory (${join(dir.path, 'inventory.graphql')}:6:3), products (${join(dir.path, 'products.graphql')}:10:3): [FIELD_TYPE_MISMATCH] Type of field "Product.price"`,
    );
  });

  it('reports a syntax error in one SDL with its subgraph, file and position', async () => {
    await writeFile(join(dir.path, 'products.graphql'), 'type Query {\n  products: [Product!\n}\n');
    const path = await writeSupergraphYaml({ products: { routing: 'http://localhost:4002/graphql', schema: '{ file: products.graphql }' } });
    expect(await problemsOf(loadSupergraphSdl({ kind: 'config', path }))).toEqual([
      `products (${join(dir.path, 'products.graphql')}:3:1): [INVALID_GRAPHQL] Syntax Error: Expected "]", found "}".`,
    ]);
  });

  it('lists every subgraph that could not be read, each by name', async () => {
    const refused = await refusedUrl();
    const path = await writeSupergraphYaml({
      products: { routing: 'http://localhost:4002/graphql', schema: '{ file: products.graphql }' },
      inventory: { routing: 'http://localhost:4003/graphql', schema: `{ subgraph_url: "${refused}" }` },
    });
    expect(await problemsOf(loadSupergraphSdl({ kind: 'config', path }))).toEqual([
      `products: schema file not found: ${join(dir.path, 'products.graphql')}`,
      `inventory: introspection of ${refused}: connection refused (is the subgraph running?)`,
    ]);
  });
});
