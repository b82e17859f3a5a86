import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../lib/start.mjs';
import { isMain } from '../lib/target.mjs';
import { atriumServe } from './atrium.mjs';

/**
 * Atrium with cost analysis and a cost budget per client (bench/gateway-cost*.yaml): compared with the
 * `atrium` row, what estimating the plan, taking and giving back budget points add per request, with the
 * buckets in memory and in Redis. The Redis row runs this file as a wrapper: it starts a redis-server on a
 * free port (no persistence), then `atrium serve` with ATRIUM_BENCH_REDIS_URL, and stops both on SIGTERM;
 * redis-server shares the gateway's core and is counted in its CPU and RSS.
 */

const MEMORY = fileURLToPath(new URL('../gateway-cost.yaml', import.meta.url));
const REDIS = fileURLToPath(new URL('../gateway-cost-redis.yaml', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** Skips the rows when this build's gateway.yaml has no cost settings yet. */
const skipWithoutCost = (/** @type {number | string} */ code, /** @type {string} */ output) =>
  code === 2 && /cost|quotaStore/.test(output) ? `this build does not accept the cost settings: ${output.trim().split('\n')[0]}` : undefined;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-cost',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, cost analysis + cost budget in memory',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, MEMORY),
    skipWhenExited: skipWithoutCost,
  },
  {
    name: 'atrium-cost-redis',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, cost analysis + cost budget in Redis (redis-server on the same core)',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => {
      const serve = atriumServe(ctx, REDIS);
      return { command: process.execPath, args: [SELF, '--', serve.command, ...serve.args] };
    },
    skipWhenExited: (code, output) =>
      skipWithoutCost(code, output) ?? (/redis-server/.test(output) && code !== 0 ? `redis-server could not start: ${output.trim().split('\n')[0]}` : undefined),
  },
];

/** Resolves once the port accepts a connection; rejects after 10 s (as test/helpers/redis-server.ts, which bench cannot import). */
async function waitForPort(/** @type {number} */ port) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within 10 s`);
}

if (isMain(import.meta.url)) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [command, ...args] = positionals;
  if (!command) throw new Error('usage: atrium-cost.mjs -- <atrium command> [args...]');
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  redis.once('error', (error) => {
    console.error(`redis-server: ${error.message}`);
    process.exit(1);
  });
  await waitForPort(port);
  const atrium = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ATRIUM_BENCH_REDIS_URL: `redis://127.0.0.1:${port}` } });
  const stop = () => atrium.kill('SIGTERM');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  atrium.once('exit', (code) => {
    redis.kill('SIGTERM');
    process.exitCode = code ?? 0;
  });
}
