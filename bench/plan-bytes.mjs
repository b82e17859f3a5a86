import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { distinctOperations } from './lib/operations.mjs';
import { ROOT, SUBGRAPHS, WORKLOAD_DIR } from './lib/workload.mjs';

/**
 * How much heap a query plan holds against its JSON length, which is how `engine.planCacheMaxBytes`
 * estimates a cached plan (gateway/engine/engine.ts, PLAN_BYTES_PER_JSON_CHAR). Plans the plan-miss
 * scenario's distinct operations and the benchmark query with each planner, keeps the plans, and divides
 * the heap growth (after full collections) by their JSON length.
 *
 * Run: `npm run build && node --expose-gc bench/plan-bytes.mjs`
 */

process.env.APOLLO_TELEMETRY_DISABLED = '1';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const gc = /** @type {() => void} */ (globalThis.gc);

const { buildSupergraph } = await import(`${ROOT}dist/gateway/supergraph/build-supergraph.js`);
const { createApolloPlanner } = await import(`${ROOT}dist/gateway/engine/apollo-planner.js`);
const { createHivePlanner } = await import(`${ROOT}dist/gateway/engine/hive-planner.js`);

const dir = mkdtempSync(join(tmpdir(), 'atrium-plan-bytes-'));
let sdl;
try {
  const lines = ['federation_version: 1', 'subgraphs:'];
  for (const name of SUBGRAPHS) {
    lines.push(`  ${name}:`, `    routing_url: http://${name}.invalid/graphql`, '    schema:', `      file: ${WORKLOAD_DIR}schemas/${name}.graphql`);
  }
  writeFileSync(join(dir, 'supergraph.yaml'), `${lines.join('\n')}\n`);
  const compose = spawnSync(process.execPath, [`${ROOT}dist/gateway/cli.js`, 'compose', join(dir, 'supergraph.yaml'), '-o', join(dir, 'supergraph.graphql')], { encoding: 'utf8' });
  if (compose.status !== 0) throw new Error(`atrium compose failed:\n${compose.stderr}`);
  sdl = readFileSync(join(dir, 'supergraph.graphql'), 'utf8');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const supergraph = buildSupergraph(sdl);
/** @type {Record<string, () => { plan(input: { document: import('graphql').DocumentNode; operationName: undefined }): unknown }>} */
const PLANNERS = {
  apollo: () => createApolloPlanner(supergraph.supergraph),
  hive: () => createHivePlanner({ supergraphSdl: sdl, fallback: () => createApolloPlanner(supergraph.supergraph) }),
};
const only = process.argv[2];
if (only === undefined) {
  // One process per planner, so one planner's garbage does not count against the other.
  console.log('| planner | operations | plans | heap held KiB | JSON KiB | heap / JSON char |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const name of Object.keys(PLANNERS)) {
    const run = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`${name}: exit ${run.status}`);
    process.stdout.write(run.stdout);
  }
  process.exit(0);
}
if (!(only in PLANNERS)) throw new Error(`unknown planner ${only} (${Object.keys(PLANNERS).join(', ')})`);
const planners = { [only]: PLANNERS[only]() };
const distinct = distinctOperations(600).map((text) => parse(text));
const benchQuery = parse(readFileSync(`${WORKLOAD_DIR}query.graphql`, 'utf8'));
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

for (const [name, planner] of Object.entries(planners)) {
  planner.plan({ document: benchQuery, operationName: undefined }); // the planner's own first-use caches
  for (const [label, documents] of /** @type {const} */ ([['distinct (plan-misses)', distinct], ['benchmark query', Array(200).fill(benchQuery)]])) {
    const before = heapUsed();
    const plans = documents.map((document) => planner.plan({ document, operationName: undefined }));
    const held = heapUsed() - before;
    const json = plans.reduce((sum, plan) => sum + JSON.stringify(plan).length, 0);
    console.log(`| ${name} | ${label} | ${plans.length} | ${(held / 1024).toFixed(0)} | ${(json / 1024).toFixed(0)} | ${(held / json).toFixed(2)} |`);
  }
}
