import { ATRIUM_CONFIG, ATRIUM_NO_DEDUP_CONFIG, atriumServe, skipWithoutDedupeSetting } from './atrium.mjs';

/**
 * Atrium with `atrium serve --workers 2` (node:cluster): two gateway processes on both cores. Both cores
 * are shared with the subgraphs and the load generator, so these rows are not pinned like the others.
 * Skipped with a note when the CLI does not accept `--workers`.
 */

/** @param {number | string} code @param {string} output */
function skipWithoutWorkers(code, output) {
  return code === 2 && /workers/i.test(output) ? `the CLI rejected --workers (exit 2): ${output.trim().split('\n')[0]}` : undefined;
}

const note = 'atrium-2-workers rows run on both cores, competing with the subgraphs and the load generator on core 0.';

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-2-workers',
    what: 'Atrium (dist/gateway/cli.js serve --workers 2), supervisor + 2 workers, default settings',
    peer: false,
    dedup: 'on (default)',
    cpus: '0,1',
    note,
    command: (ctx) => atriumServe(ctx, ATRIUM_CONFIG, ['--workers', '2']),
    skipWhenExited: skipWithoutWorkers,
  },
  {
    name: 'atrium-2-workers-no-dedup',
    what: 'Atrium (dist/gateway/cli.js serve --workers 2), supervisor + 2 workers, traffic.all.dedupe: false',
    peer: false,
    dedup: 'off',
    variantOf: 'atrium-2-workers',
    cpus: '0,1',
    command: (ctx) => atriumServe(ctx, ATRIUM_NO_DEDUP_CONFIG, ['--workers', '2']),
    skipWhenExited: (code, output) => skipWithoutWorkers(code, output) ?? skipWithoutDedupeSetting(code, output),
  },
];
