import { fileURLToPath } from 'node:url';
import { atriumServe, skipWithoutDedupeSetting } from './atrium.mjs';

/**
 * Atrium with `engine.planner: hive` (Hive Router's native planner behind Atrium's planner seam, run by
 * Atrium's executor): the same process model as the `atrium` rows, other plans. Rows with and without
 * in-flight dedup, like the `atrium` rows. Skipped with a note when the build does not accept the setting.
 */

const CONFIG = fileURLToPath(new URL('../gateway-hive-planner.yaml', import.meta.url));
const NO_DEDUP_CONFIG = fileURLToPath(new URL('../gateway-hive-planner-no-dedup.yaml', import.meta.url));

/** @param {number | string} code @param {string} output */
function skipWithoutHivePlanner(code, output) {
  return code === 2 && /planner/i.test(output) ? `this build does not accept engine.planner: ${output.trim().split('\n')[0]}` : undefined;
}

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-hive-planner',
    what: 'Atrium (dist/gateway/cli.js serve): supervisor + 1 worker, engine.planner: hive',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, CONFIG),
    skipWhenExited: skipWithoutHivePlanner,
  },
  {
    name: 'atrium-hive-planner-no-dedup',
    what: 'Atrium (dist/gateway/cli.js serve): supervisor + 1 worker, engine.planner: hive, traffic.all.dedupe: false',
    peer: false,
    dedup: 'off',
    variantOf: 'atrium-hive-planner',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, NO_DEDUP_CONFIG),
    skipWhenExited: (code, output) => skipWithoutHivePlanner(code, output) ?? skipWithoutDedupeSetting(code, output),
  },
];
