import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtriumError } from '../errors.js';
import type { PublishedSubgraph, RegistrySnapshot, RegistryStore } from './registry-store.js';

const FILE = 'registry.json';
const LOCK = 'registry.lock';
/** A lock file older than this is left over from a crashed writer (a commit takes milliseconds). */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

interface RegistryFile {
  revision: number;
  subgraphs: Record<string, { versions: PublishedSubgraph[] }>;
}

/**
 * The default registry store: `<directory>/registry.json` holds every version of every subgraph. A commit
 * takes `registry.lock` (created exclusively, so it also excludes other processes sharing the directory),
 * re-reads the file, checks the revision, writes a temporary file, flushes it and renames it over the old
 * one: a reader sees the old or the new file, never half of one. Changes by other processes are noticed by
 * polling the revision.
 *
 * @example
 * const store = createDirectoryStore({ directory: '.atrium/registry', pollIntervalMs: 5000 });
 * const { revision, subgraphs } = await store.read();
 */
export function createDirectoryStore(options: { directory: string; pollIntervalMs: number }): RegistryStore {
  const { directory } = options;
  const path = join(directory, FILE);

  async function load(): Promise<RegistryFile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { revision: 0, subgraphs: {} };
      throw new AtriumError('REGISTRY_UNAVAILABLE', `cannot read the schema registry ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return JSON.parse(text) as RegistryFile;
    } catch (error) {
      throw new AtriumError('REGISTRY_UNAVAILABLE', `the schema registry ${path} is not valid JSON`, { cause: error });
    }
  }

  async function withLock<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(directory, { recursive: true });
    const lockPath = join(directory, LOCK);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rm(lockPath, { force: true });
        else if (Date.now() > deadline) throw new AtriumError('REGISTRY_CONFLICT', `the schema registry ${directory} stayed locked for ${LOCK_WAIT_MS} ms`);
        else await sleep(10 + Math.random() * 20);
      }
    }
    try {
      return await work();
    } finally {
      await unlink(lockPath).catch(() => {});
    }
  }

  return {
    async read() {
      const file = await load();
      const subgraphs: Record<string, PublishedSubgraph> = {};
      for (const [name, { versions }] of Object.entries(file.subgraphs)) {
        const live = versions.at(-1);
        if (live) subgraphs[name] = live;
      }
      return { revision: file.revision, subgraphs } satisfies RegistrySnapshot;
    },

    async history(name) {
      const file = await load();
      return Object.hasOwn(file.subgraphs, name) ? file.subgraphs[name]!.versions : [];
    },

    commit(expectedRevision, record) {
      return withLock(async () => {
        const file = await load();
        if (file.revision !== expectedRevision) return false;
        const entry = Object.hasOwn(file.subgraphs, record.name) ? file.subgraphs[record.name]! : { versions: [] };
        file.subgraphs[record.name] = { versions: [...entry.versions, record] };
        file.revision++;
        const temporary = join(directory, `.${FILE}.${randomUUID()}.tmp`);
        const handle = await open(temporary, 'w');
        try {
          await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, path);
        return true;
      });
    },

    watch(onRevision) {
      if (options.pollIntervalMs <= 0) return () => {};
      const timer = setInterval(() => {
        load().then(({ revision }) => onRevision(revision), () => {});
      }, options.pollIntervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },

    async close() {},
  };
}
