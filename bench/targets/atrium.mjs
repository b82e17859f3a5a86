import { fileURLToPath } from 'node:url';

/**
 * Atrium as its CLI runs it: `atrium serve` from the composed supergraph file (one process that serves
 * from a worker thread with its own heap limits), pinned to the gateway core; CPU and RSS are
 * those of the process tree. Atrium shares one subgraph request among identical in-flight queries by default
 * (`traffic.all.dedupe: true`, as Hive Gateway does), so there are two rows: default settings
 * (bench/gateway.yaml) and `traffic.all.dedupe: false` (bench/gateway-no-dedup.yaml).
 */

export const ATRIUM_CONFIG = fileURLToPath(new URL('../gateway.yaml', import.meta.url));
export const ATRIUM_NO_DEDUP_CONFIG = fileURLToPath(new URL('../gateway-no-dedup.yaml', import.meta.url));
export const ATRIUM_INBOUND_DEDUP_CONFIG = fileURLToPath(new URL('../gateway-inbound-dedupe.yaml', import.meta.url));

/**
 * The `atrium serve` command line.
 * @param {import('../lib/target.mjs').StartContext} ctx
 * @param {string} config
 * @param {string[]} [extra] flags before the others
 */
export function atriumServe({ root, port, supergraphFile }, config, extra = []) {
  return {
    command: process.execPath,
    args: [`${root}dist/gateway/cli.js`, 'serve', ...extra, '--supergraph', supergraphFile, '--port', String(port), '--host', '127.0.0.1', '--config', config],
  };
}

/** Skips a no-dedup row when this build's gateway.yaml does not know `traffic.all.dedupe` yet. */
export const skipWithoutDedupeSetting = (/** @type {number | string} */ code, /** @type {string} */ output) =>
  code === 2 && /dedupe/i.test(output) ? `this build does not accept traffic.all.dedupe: ${output.trim().split('\n')[0]}` : undefined;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, default settings',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, ATRIUM_CONFIG),
  },
  {
    name: 'atrium-no-dedup',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, traffic.all.dedupe: false',
    peer: false,
    dedup: 'off',
    variantOf: 'atrium',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, ATRIUM_NO_DEDUP_CONFIG),
    skipWhenExited: skipWithoutDedupeSetting,
  },
  {
    name: 'atrium-inbound-dedupe',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, engine.dedupe on (identical queries in flight share one execution; off by default)',
    peer: false,
    dedup: 'on + inbound',
    variantOf: 'atrium',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, ATRIUM_INBOUND_DEDUP_CONFIG),
    skipWhenExited: skipWithoutDedupeSetting,
  },
];
