import { fileURLToPath } from 'node:url';
import { atriumServe } from './atrium.mjs';

/**
 * Atrium with the response cache on (bench/gateway-response-cache.yaml, in-memory store, one-hour
 * lifetime): once an operation has been answered, the rest of the run is the cache hit path. Compared with
 * the `atrium` row, what a hit saves; in the plan-misses scenario every operation is new, so it shows what
 * the cache costs on misses. Skipped with a note when the build does not accept `responseCache`.
 */

const CONFIG = fileURLToPath(new URL('../gateway-response-cache.yaml', import.meta.url));

/** @param {number | string} code @param {string} output */
function skipWithoutResponseCache(code, output) {
  return code === 2 && /responseCache/.test(output) ? `this build does not accept responseCache: ${output.trim().split('\n')[0]}` : undefined;
}

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-response-cache',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, responseCache.enabled with defaultTtl 1h (hit path)',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, CONFIG),
    skipWhenExited: skipWithoutResponseCache,
  },
];
