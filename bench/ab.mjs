import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseLoadTool, cleanUpLoad, runLoad } from './lib/load.mjs';
import { checkAnswer } from './lib/http.mjs';
import { cpuPercent, cpuTicks, killAllNow, pinSelf, spawnTracked, stopAll, tree } from './lib/procs.mjs';
import { median } from './lib/report.mjs';
import { startTarget } from './lib/start.mjs';
import { loadTargets } from './lib/target.mjs';
import { BENCH_DIR, compose, requestBody } from './lib/workload.mjs';

/**
 * Two gateways side by side (not a test): two builds of one bench target, `node bench/ab.mjs --a ../before
 * --b . [--target atrium]`, or two targets of this build, `node bench/ab.mjs --target-a grafbase --target-b
 * atrium`. `--a` and `--b` are checkouts with `npm run build` done (their own node_modules, or a symlink to
 * one; default: this one). Both gateways run at once, pinned to the gateway core, and the load alternates
 * between them in short bursts (A then B, then B then A, ...), so that a slow spell of the host falls on
 * both: on a host whose speed swings by ±30 % within minutes, runs minutes apart cannot show a change of a
 * few per cent, pairs seconds apart can.
 *
 * Per round it records each build's RPS, CPU time per request and p99 latency, and prints the median
 * of the B/A ratios and how many rounds B won. Both answers are checked byte for byte against
 * expected-response.json before and after. Results go to stdout only.
 */

const USAGE =
  'Usage: node bench/ab.mjs [--a <checkout>] [--b <checkout>] [--target atrium | --target-a <name> --target-b <name>] [--rounds 30] [--burst 2] [--warmup 5] [--connections 50]';

async function main() {
  const { values } = parseArgs({
    options: {
      a: { type: 'string', default: '.' },
      b: { type: 'string', default: '.' },
      target: { type: 'string', default: 'atrium' },
      'target-a': { type: 'string' },
      'target-b': { type: 'string' },
      rounds: { type: 'string', default: '30' },
      burst: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const roots = [values.a, values.b].map((dir) => `${resolve(dir)}/`);
  const names = [values['target-a'] ?? values.target, values['target-b'] ?? values.target];
  if (roots[0] === roots[1] && names[0] === names[1]) throw new Error(`A and B are the same: ${USAGE}`);
  for (const root of new Set(roots)) if (!existsSync(`${root}dist/gateway/cli.js`)) throw new Error(`${root}dist/gateway/cli.js is missing: build that checkout first`);
  const rounds = Number(values.rounds);
  const burst = Number(values.burst);
  const connections = Number(values.connections);
  const targets = await Promise.all(names.map(findTarget));

  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  pinSelf('0');
  const notes = [];
  const tool = chooseLoadTool({ smoke: false, notes });
  if (tool !== 'wrk') throw new Error('bench/ab.mjs needs wrk (apt-get install -y wrk)');
  const work = mkdtempSync(join(tmpdir(), 'atrium-bench-ab-'));
  try {
    const subgraphs = spawnTracked('subgraphs', process.execPath, [`${BENCH_DIR}subgraphs.mjs`], { cpus: '0' });
    const [, readyLine] = await subgraphs.waitFor(/(\{"ready":true.*\})\n/, 30_000);
    const supergraphFile = compose(work, JSON.parse(readyLine).urls);
    const builds = [];
    for (const [i, root] of roots.entries()) {
      const started = await startTarget(targets[i], { supergraphFile, root });
      if ('skipped' in started) throw new Error(`${targets[i].name} (${root}): ${started.skipped}`);
      builds.push({ name: 'AB'[i], label: `${targets[i].name} (${root})`, ...started, rps: [], cpuUsPerRequest: [], p99Ms: [] });
    }
    for (const build of builds) {
      await check(build, 'before');
      await runLoad({ tool, url: build.url, body: requestBody, connections, seconds: Number(values.warmup), cpus: '0', headers: build.headers });
    }
    console.log(`A = ${builds[0].label}, B = ${builds[1].label}; ${rounds} rounds of ${burst} s each, ${connections} connections`);
    for (let round = 0; round < rounds; round++) {
      for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
        const pids = tree(build.proc.pid);
        const before = cpuTicks(pids);
        const load = await runLoad({ tool, url: build.url, body: requestBody, connections, seconds: burst, cpus: '0', headers: build.headers });
        // CPU seconds of the gateway's processes during the burst: their % of one core over one second, / 100.
        const cpuSeconds = cpuPercent(before, cpuTicks(pids), 1) / 100;
        build.rps.push(load.rps);
        build.p99Ms.push(load.p99Ms);
        build.cpuUsPerRequest.push((cpuSeconds * 1e6) / load.requests);
      }
      console.log(`round ${round + 1}: ${builds.map((b) => `${b.name} ${b.rps.at(-1).toFixed(1)} RPS, ${b.cpuUsPerRequest.at(-1).toFixed(0)} µs CPU/request, p99 ${b.p99Ms.at(-1).toFixed(1)} ms`).join('; ')}`);
    }
    for (const build of builds) await check(build, 'after');
    const [a, b] = builds;
    const rpsRatios = b.rps.map((rps, i) => rps / a.rps[i]);
    const cpuRatios = b.cpuUsPerRequest.map((us, i) => us / a.cpuUsPerRequest[i]);
    const p99Ratios = b.p99Ms.map((ms, i) => ms / a.p99Ms[i]);
    for (const build of builds) {
      console.log(`${build.name}: median ${median(build.rps).toFixed(1)} RPS, ${median(build.cpuUsPerRequest).toFixed(0)} µs CPU per request, p99 ${median(build.p99Ms).toFixed(1)} ms (${build.label})`);
    }
    console.log(`B/A RPS: median ${median(rpsRatios).toFixed(3)}, B faster in ${rpsRatios.filter((r) => r > 1).length} of ${rounds} rounds`);
    console.log(`B/A CPU per request: median ${median(cpuRatios).toFixed(3)}, B cheaper in ${cpuRatios.filter((r) => r < 1).length} of ${rounds} rounds`);
    console.log(`B/A p99 latency: median ${median(p99Ratios).toFixed(3)}, B lower in ${p99Ratios.filter((r) => r < 1).length} of ${rounds} rounds`);
  } finally {
    await stopAll();
    cleanUpLoad();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The target named `name` (bench/run.mjs --list). A peer gateway needs bench/node_modules, and runs from this checkout whatever `--a`/`--b` say. */
async function findTarget(/** @type {string} */ name) {
  const target = (await loadTargets()).find((t) => t.name === name);
  if (!target) throw new Error(`no bench target named ${name} (bench/run.mjs --list shows them)`);
  if (target.peer && !existsSync(`${BENCH_DIR}node_modules`)) throw new Error(`--target ${name} needs bench/node_modules (npm ci --prefix bench)`);
  return target;
}

/** Throws unless `build` answers expected-response.json byte for byte. */
async function check(/** @type {{ name: string; url: string; headers: Record<string, string> }} */ build, /** @type {string} */ when) {
  const result = await checkAnswer(build.url, build.headers);
  if (result !== 'OK') throw new Error(`${build.name}: the answer ${when} the load is not expected-response.json: ${result}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    killAllNow();
    process.exit(1);
  },
);
