import { fileURLToPath } from 'node:url';
import { atriumServe, skipWithoutDedupeSetting } from './atrium.mjs';

/**
 * Atrium with `engine.planner: apollo` (Apollo's query planner behind Atrium's planner seam, run by
 * Atrium's executor): the same process model as the `atrium` rows, which plan with Hive Router's native
 * planner (`engine.planner: auto`, the default). Rows with and without in-flight dedup, like the `atrium`
 * rows. Skipped with a note when the build does not accept the setting.
 */

const CONFIG = fileURLToPath(new URL('../gateway-apollo-planner.yaml', import.meta.url));
const NO_DEDUP_CONFIG = fileURLToPath(new URL('../gateway-apollo-planner-no-dedup.yaml', import.meta.url));

/** @param {number | string} code @param {string} output */
function skipWithoutPlannerSetting(code, output) {
  return code === 2 && /planner/i.test(output) ? `this build does not accept engine.planner: ${output.trim().split('\n')[0]}` : undefined;
}

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-apollo-planner',
    what: 'Atrium (dist/gateway/cli.js serve), engine.planner: apollo',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, CONFIG),
    skipWhenExited: skipWithoutPlannerSetting,
  },
  {
    name: 'atrium-apollo-planner-no-dedup',
    what: 'Atrium (dist/gateway/cli.js serve), engine.planner: apollo, traffic.all.dedupe: false',
    peer: false,
    dedup: 'off',
    variantOf: 'atrium-apollo-planner',
    cpus: '1',
    command: (ctx) => atriumServe(ctx, NO_DEDUP_CONFIG),
    skipWhenExited: (code, output) => skipWithoutPlannerSetting(code, output) ?? skipWithoutDedupeSetting(code, output),
  },
];
