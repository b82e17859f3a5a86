import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { spawnRedis, stopRedis } from './redis-server.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

/** A real 3-master Redis Cluster (no replicas) started for one test file. */
export interface TestRedisCluster {
  /** `redis://127.0.0.1:<port>` of each master, in the order `redis-cli --cluster create` got them. */
  readonly nodes: readonly string[];
  /** A hash tag (`{...}`) whose slot the master at `index` serves, to aim keys at that node. */
  tagOn(index: number): Promise<string>;
  /** How many clients are subscribed to `channel`, over every node (`PUBSUB NUMSUB` counts one node's). */
  subscribers(channel: string): Promise<number>;
  /** Stops the master at `index` (SIGTERM: its process exits; no replica takes over). */
  stop(index: number): Promise<void>;
  /** Starts it again on the same port with the same nodes.conf (and an empty dataset); resolves once the cluster is ok. */
  start(index: number): Promise<void>;
  /** Stops every node and removes their directory. */
  close(): Promise<void>;
}

/**
 * Starts three `redis-server --cluster-enabled yes` on free loopback ports, joins them with `redis-cli
 * --cluster create` (one master each, no replicas) and waits until every node reports `cluster_state:ok`.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const config = { quotaStore: { kind: 'redis', redis: { cluster: { nodes: cluster.nodes } } } };
 * await cluster.close();
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = await tempDir('atrium-redis-cluster-');
  // Client ports and cluster-bus ports: the bus defaults to port + 10000, past 65535 for a high free port.
  const [ports, busPorts] = await distinctFreePorts(6).then((free) => [free.slice(0, 3), free.slice(3)]);
  const children: (ChildProcess | undefined)[] = [];
  const startNode = async (index: number) => {
    const port = ports[index]!;
    children[index] = await spawnRedis(port, [
      '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes',
      '--cluster-port', String(busPorts[index]!),
      '--cluster-config-file', join(dir.path, `nodes-${port}.conf`),
      // Twice Redis's default: a node stopped by a test stays "possibly failing" on the others, never
      // "failed" (which would turn the whole cluster to cluster_state:fail), however slow this machine is.
      '--cluster-node-timeout', '30000',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir.path,
    ]);
  };
  const stopAll = async () => {
    await Promise.all(children.map((child) => stopRedis(child)));
    await dir.remove();
  };
  try {
    for (let index = 0; index < ports.length; index += 1) await startNode(index);
    const create = ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'];
    await run('redis-cli', create, { timeout: 30_000 }).catch((error: Error) => {
      throw new Error(`redis-cli ${create.join(' ')} failed (redis-cli is in the Debian package redis-tools): ${error.message}`);
    });
    await waitForClusterOk(ports);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes: ports.map((port) => `redis://127.0.0.1:${port}`),
    async tagOn(index) {
      const client = new Redis(ports[index]!, '127.0.0.1');
      try {
        const owned = await ownedSlots(client);
        for (let n = 0; ; n += 1) {
          const tag = `t${n}`;
          if (owned(Number(await client.cluster('KEYSLOT', tag)))) return `{${tag}}`;
        }
      } finally {
        client.disconnect();
      }
    },
    async subscribers(channel) {
      let count = 0;
      for (const port of ports) {
        const client = new Redis(port, '127.0.0.1');
        try {
          const [, subscribed] = (await client.pubsub('NUMSUB', channel)) as [string, number];
          count += Number(subscribed);
        } finally {
          client.disconnect();
        }
      }
      return count;
    },
    async stop(index) {
      const child = children[index];
      children[index] = undefined;
      await stopRedis(child);
    },
    async start(index) {
      await startNode(index);
      await waitForClusterOk(ports);
    },
    close: stopAll,
  };
}

/** `count` free loopback ports, no two the same. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A test of whether the node `client` is connected to serves a slot, from `CLUSTER SLOTS`. */
async function ownedSlots(client: Redis): Promise<(slot: number) => boolean> {
  const myId = String(await client.cluster('MYID'));
  const slots = await client.cluster('SLOTS');
  const mine = slots.filter(([, , master]) => master?.[2] === myId);
  return (slot) => mine.some(([from, to]) => slot >= from && slot <= to);
}

/** Resolves once every node answers `cluster_state:ok`; gives up after 20 s. */
async function waitForClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  const clients = ports.map((port) => new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 }));
  try {
    for (;;) {
      const states = await Promise.all(
        clients.map((client) =>
          client.cluster('INFO').then(
            (info) => /cluster_state:ok/.test(String(info)),
            () => false,
          ),
        ),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`redis cluster on ports ${ports.join(', ')} did not reach cluster_state:ok within 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
}
