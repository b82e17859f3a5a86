import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { spawnRedis, startRedis, stopRedis, type TestRedis } from './redis-server.js';
import { tempDir } from './temp-dir.js';

/** A real master plus one `redis-server --sentinel` monitoring it, started for one test file. */
export interface TestRedisSentinel {
  /** The data node (a plain `startRedis` server). */
  readonly master: TestRedis;
  /** The Sentinel's port on 127.0.0.1. */
  readonly sentinelPort: number;
  /** The master group name the Sentinel monitors. */
  readonly name: string;
  /** Stops the Sentinel and the master and removes their directories. */
  close(): Promise<void>;
}

/**
 * Starts a master and a Sentinel with a config naming it (`sentinel monitor <name> 127.0.0.1 <port> 1`; the
 * Sentinel rewrites that file, so it lives in a temp directory), and waits until the Sentinel reports the
 * master's address.
 *
 * @example
 * const sentinel = await startRedisSentinel();
 * const config = { quotaStore: { kind: 'redis', redis: { sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.sentinelPort }], name: sentinel.name } } } };
 */
export async function startRedisSentinel(name = 'atrium-master'): Promise<TestRedisSentinel> {
  const master = await startRedis();
  const dir = await tempDir('atrium-sentinel-');
  const sentinelPort = await freePort();
  const configFile = join(dir.path, 'sentinel.conf');
  await writeFile(configFile, [`bind 127.0.0.1`, `dir ${dir.path}`, `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`, ''].join('\n'));
  let sentinel: ChildProcess | undefined;
  const close = async () => {
    await stopRedis(sentinel);
    await master.close();
    await dir.remove();
  };
  try {
    sentinel = await spawnRedis(sentinelPort, [], [configFile, '--sentinel']);
    await waitForMaster(sentinelPort, name, master.port);
  } catch (error) {
    await close();
    throw error;
  }
  return { master, sentinelPort, name, close };
}

/** Resolves once the Sentinel answers `SENTINEL get-master-addr-by-name` with the master's port; 10 s at most. */
async function waitForMaster(sentinelPort: number, name: string, masterPort: number): Promise<void> {
  const client = new Redis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 0 });
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      const address = (await client.call('SENTINEL', 'get-master-addr-by-name', name).catch(() => null)) as [string, string] | null;
      if (address?.[1] === String(masterPort)) return;
      if (Date.now() > deadline) throw new Error(`sentinel on port ${sentinelPort} did not report master ${name} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.disconnect();
  }
}
