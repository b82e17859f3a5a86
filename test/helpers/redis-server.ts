import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './free-port.js';
import { tempDir } from './temp-dir.js';

/** A real `redis-server` (Debian package `redis-server`) started for one test file. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port with an empty dataset (after `kill`). */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port, without persistence, and waits until it accepts
 * connections. Fails with a clear message when the binary is missing (`.ci/run` installs it).
 *
 * @example
 * const redis = await startRedis();
 * const client = new Redis(redis.url);
 * await redis.close();
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = await tempDir('atrium-redis-');
  let child: ChildProcess | undefined;
  const start = async () => {
    child = await spawnRedis(port, ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path]);
  };
  const stop = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    await stopRedis(running, signal);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => stop('SIGKILL'),
    restart: start,
    async close() {
      await stop('SIGTERM');
      await dir.remove();
    },
  };
}

/**
 * Spawns `redis-server --port <port> ...args` (args may start with a config file, or `--sentinel`) and
 * resolves once the port accepts connections; rejects with redis-server's own message if it exits first.
 *
 * @example
 * const child = await spawnRedis(port, ['--cluster-enabled', 'yes']);
 */
export async function spawnRedis(port: number, args: readonly string[], leading: readonly string[] = []): Promise<ChildProcess> {
  const started = spawn('redis-server', [...leading, '--port', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    started.once('error', (error) =>
      reject(new Error(`could not start redis-server (install the Debian package redis-server): ${error.message}`)),
    );
    started.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPort(port), failed]);
  return started;
}

/** Sends `signal` to a redis-server started by {@link spawnRedis} and waits for it to exit. */
export async function stopRedis(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** Resolves once a TCP connection to the port succeeds; gives up after 10 s. */
async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on port ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
