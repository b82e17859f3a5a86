import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDirectoryStore } from '../../../gateway/publishing/directory-store.js';
import type { PublishedSubgraph } from '../../../gateway/publishing/registry-store.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

const record = (name: string, version: number): PublishedSubgraph => ({
  name,
  version,
  sdl: `type Query { v${version}: Int }`,
  url: `http://${name}/graphql`,
  sourceName: `${name}.graphql`,
  publishedAt: '2026-01-01T00:00:00.000Z',
});

describe('createDirectoryStore', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('atrium-store-');
    return dir.remove;
  });

  it('starts empty, commits against the revision it read, and keeps every version', async () => {
    const store = createDirectoryStore({ directory: join(dir.path, 'nested', 'registry'), pollIntervalMs: 0 });
    expect(await store.read()).toEqual({ revision: 0, subgraphs: {} });
    expect(await store.commit(0, record('a', 1))).toBe(true);
    expect(await store.commit(1, record('a', 2))).toBe(true);
    expect(await store.commit(1, record('b', 1))).toBe(false);
    expect(await store.read()).toEqual({ revision: 2, subgraphs: { a: record('a', 2) } });
    expect((await store.history('a')).map((v) => v.version)).toEqual([1, 2]);
    expect(await store.history('b')).toEqual([]);
  });

  it('lets exactly one of many concurrent commits against the same revision through, across store instances', async () => {
    const stores = Array.from({ length: 6 }, () => createDirectoryStore({ directory: dir.path, pollIntervalMs: 0 }));
    const results = await Promise.all(stores.map((store, i) => store.commit(0, record(`s${i}`, 1))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const { revision, subgraphs } = await stores[0]!.read();
    expect(revision).toBe(1);
    expect(Object.keys(subgraphs)).toHaveLength(1);
    // No temporary file or lock is left behind.
    expect(await readdir(dir.path)).toEqual(['registry.json']);
  });

  it('reports a corrupt file as REGISTRY_UNAVAILABLE', async () => {
    const store = createDirectoryStore({ directory: dir.path, pollIntervalMs: 0 });
    await writeFile(join(dir.path, 'registry.json'), '{ not json');
    await expect(store.read()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await expect(store.commit(0, record('a', 1))).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
  });

  it('takes over a lock file left by a crashed writer once it is stale', async () => {
    const store = createDirectoryStore({ directory: dir.path, pollIntervalMs: 0 });
    await writeFile(join(dir.path, 'registry.lock'), '');
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(dir.path, 'registry.lock'), minuteAgo, minuteAgo);
    expect(await store.commit(0, record('a', 1))).toBe(true);
    expect(JSON.parse(await readFile(join(dir.path, 'registry.json'), 'utf8')).revision).toBe(1);
  });

  it('reports the revision to watchers by polling', async () => {
    const store = createDirectoryStore({ directory: dir.path, pollIntervalMs: 20 });
    const other = createDirectoryStore({ directory: dir.path, pollIntervalMs: 0 });
    const seen = new Promise<number>((resolve) => {
      const stop = store.watch((revision) => {
        if (revision === 1) {
          stop();
          resolve(revision);
        }
      });
    });
    await other.commit(0, record('a', 1));
    expect(await seen).toBe(1);
  });
});
