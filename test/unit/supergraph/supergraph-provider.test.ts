import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSupergraphProvider, overlaySubgraphs } from '../../../gateway/supergraph/supergraph-provider.js';
import { SupergraphLoadError } from '../../../gateway/supergraph/supergraph-load-error.js';
import { INVENTORY_SDL, PRICE_AS_STRING_SDL, PRODUCTS_SDL } from './fixtures.js';
import { startHttpServer } from './http-test-server.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

const input = (name: string, sdl = 'type Query { a: Int }') => ({ name, url: `http://${name}/graphql`, sdl, sourceName: `${name}.graphql` });

/** Resolves with the first reason `watch` reports; rejects after 10 s. */
function firstChange(watch: (onChange: (reason: string) => void) => () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no change reported within 10 s'));
    }, 10_000);
    const stop = watch((reason) => {
      clearTimeout(timer);
      stop();
      resolve(reason);
    });
  });
}

describe('overlaySubgraphs', () => {
  it('replaces same-name subgraphs in place and appends new ones', () => {
    const merged = overlaySubgraphs([input('a'), input('b')], [input('b', 'type Query { b: Int }'), input('c')]);
    expect(merged.map((s) => [s.name, s.sdl])).toEqual([
      ['a', 'type Query { a: Int }'],
      ['b', 'type Query { b: Int }'],
      ['c', 'type Query { a: Int }'],
    ]);
  });
});

describe('createSupergraphProvider', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('atrium-provider-');
    return dir.remove;
  });

  async function writeConfig(subgraphs: Record<string, string>) {
    const lines = ['subgraphs:'];
    for (const [name, schema] of Object.entries(subgraphs)) {
      lines.push(`  ${name}:`, `    routing_url: http://${name}.internal/graphql`, '    schema:', `      ${schema}`);
    }
    await writeFile(join(dir.path, 'supergraph.yaml'), `${lines.join('\n')}\n`);
  }

  it('reports a schema file replaced by rename, and the next load composes the new content', async () => {
    await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
    await writeFile(join(dir.path, 'inventory.graphql'), INVENTORY_SDL);
    await writeConfig({ products: 'file: ./products.graphql', inventory: 'file: ./inventory.graphql' });
    const provider = createSupergraphProvider({ kind: 'config', path: join(dir.path, 'supergraph.yaml') }, { watchFiles: true, pollIntervalMs: 0 });
    const first = await provider.load();
    expect(first.sdl).toContain('inStock');

    const changed = firstChange((onChange) => provider.watch(onChange));
    await writeFile(join(dir.path, 'inventory.tmp'), INVENTORY_SDL.replace('inStock: Boolean!', 'inStock: Boolean!\n  quantity: Int'));
    await rename(join(dir.path, 'inventory.tmp'), join(dir.path, 'inventory.graphql'));
    expect(await changed).toMatch(/inventory\.graphql$/);
    expect((await provider.load()).sdl).toContain('quantity');
  });

  it('polls subgraph_url sources and loads the SDL the subgraph answers now', async () => {
    let sdl = INVENTORY_SDL;
    const server = await startHttpServer((request, response) => {
      request.resume().on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: { _service: { sdl } } }));
      });
    });
    try {
      await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
      await writeConfig({ products: 'file: ./products.graphql', inventory: `subgraph_url: ${server.url}` });
      const provider = createSupergraphProvider({ kind: 'config', path: join(dir.path, 'supergraph.yaml') }, { watchFiles: false, pollIntervalMs: 30 });
      expect((await provider.load()).sdl).not.toContain('quantity');
      sdl = INVENTORY_SDL.replace('inStock: Boolean!', 'inStock: Boolean!\n  quantity: Int');
      expect(await firstChange((onChange) => provider.watch(onChange))).toBe('introspection poll');
      expect((await provider.load()).sdl).toContain('quantity');
    } finally {
      await server.close();
    }
  });

  it('puts the overlay over supergraph.yaml, and composition errors name the overlay source', async () => {
    await writeFile(join(dir.path, 'products.graphql'), PRODUCTS_SDL);
    await writeConfig({ products: 'file: ./products.graphql' });
    let published = [{ name: 'inventory', url: 'http://inventory/graphql', sdl: INVENTORY_SDL, sourceName: 'inventory.graphql' }];
    const provider = createSupergraphProvider(
      { kind: 'config', path: join(dir.path, 'supergraph.yaml') },
      { watchFiles: false, pollIntervalMs: 0, overlay: { current: async () => published, watch: () => () => {} } },
    );
    const loaded = await provider.load();
    expect(loaded.subgraphs?.map((s) => s.name)).toEqual(['products', 'inventory']);
    expect(loaded.sdl).toContain('inStock');

    published = [{ name: 'inventory', url: 'http://inventory/graphql', sdl: PRICE_AS_STRING_SDL, sourceName: 'registry:inventory@2' }];
    const error = await provider.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupergraphLoadError);
    expect((error as SupergraphLoadError).problems.join('\n')).toMatch(/inventory \(registry:inventory@2:\d+:\d+\)/);
  });

  it('refuses an overlay over a supergraph composed elsewhere', () => {
    expect(() =>
      createSupergraphProvider({ kind: 'file', path: 'supergraph.graphql' }, { watchFiles: false, pollIntervalMs: 0, overlay: { current: async () => [], watch: () => () => {} } }),
    ).toThrow(/--supergraph-config/);
  });
});
