import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseLoadTool, cleanUpLoad } from './lib/load.mjs';
import { hasTaskset, killAllNow, pinSelf, spawnTracked, stopAll } from './lib/procs.mjs';
import { loadTargets } from './lib/target.mjs';
import { BENCH_DIR, compose, ROOT } from './lib/workload.mjs';

/**
 * The benchmark runner: `node bench/run.mjs [--targets a,b] [--scenario throughput|plan-misses|latency|
 * cold-start|all] [--duration 15] [--warmup 5] [--repeats 2] [--connections 50] [--operations 200]
 * [--smoke]`. Starts the bench subgraphs, composes their supergraph with `atrium compose`, runs each
 * scenario over each target, prints one Markdown table per scenario and writes them to
 * bench/results/<timestamp>.md and .json. Every process it starts is stopped by its pid at the end,
 * on SIGINT/SIGTERM and on errors.
 *
 * Pinning on a 2-core machine: subgraphs, load generator and this runner on core 0, each gateway on
 * core 1 (taskset), except targets that say otherwise (atrium-2-workers uses both).
 */

const SCENARIOS = ['throughput', 'plan-misses', 'latency', 'cold-start'];
const SMOKE_TARGETS = ['atrium', 'monolith'];

const USAGE = `Usage: node bench/run.mjs [flags]   (npm run bench -- [flags] builds first)

  --targets a,b        targets to run (default: all; --smoke: ${SMOKE_TARGETS.join(',')})
  --scenario name      throughput | plan-misses | latency | cold-start | all (default: all; --smoke: throughput)
  --duration s         measured seconds per load run (default 15; --smoke 2)
  --warmup s           warm-up seconds before each measured run (default 5; --smoke 0)
  --repeats n          runs per target (default 2; --smoke 1)
  --connections n      concurrent connections of the throughput load (default 50; --smoke 10)
  --operations n       distinct operations of the plan-misses scenario (default 200; --smoke 20)
  --smoke              a few seconds, correctness only: Atrium and the monolith, built-in load loop,
                       no wrk and no bench/node_modules needed; exits 1 when a check fails
  --list               list the targets and exit`;

async function main() {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string' },
      scenario: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      connections: { type: 'string' },
      operations: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const smoke = values.smoke ?? false;
  const number = (/** @type {string | undefined} */ text, /** @type {number} */ fallback, /** @type {string} */ flag) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} expects a number, got ${text}`);
    return n;
  };
  /** @type {import('./scenarios/context.mjs').Options} */
  const options = {
    duration: number(values.duration, smoke ? 2 : 15, '--duration'),
    warmup: number(values.warmup, smoke ? 0 : 5, '--warmup'),
    repeats: Math.max(1, Math.floor(number(values.repeats, smoke ? 1 : 2, '--repeats'))),
    connections: Math.max(1, Math.floor(number(values.connections, smoke ? 10 : 50, '--connections'))),
    operations: Math.max(1, Math.floor(number(values.operations, smoke ? 20 : 200, '--operations'))),
    smoke,
  };
  const scenarioArg = values.scenario ?? (smoke ? 'throughput' : 'all');
  const scenarios = scenarioArg === 'all' ? SCENARIOS : scenarioArg.split(',');
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new UsageError(`unknown scenario ${s} (${SCENARIOS.join(', ')}, all)`);

  const all = await loadTargets();
  if (values.list) {
    for (const t of all) console.log(`${t.name.padEnd(30)} dedup ${t.dedup.padEnd(13)} cpus ${t.cpus.padEnd(4)} ${t.what}`);
    return 0;
  }
  const wanted = values.targets ? values.targets.split(',').map((s) => s.trim()) : smoke ? SMOKE_TARGETS : all.map((t) => t.name);
  for (const name of wanted) if (!all.some((t) => t.name === name)) throw new UsageError(`unknown target ${name}; --list shows them`);
  /** @type {string[]} */
  const notes = [];
  const peersInstalled = existsSync(`${BENCH_DIR}node_modules/@apollo/gateway/package.json`);
  const targets = all.filter((t) => wanted.includes(t.name)).filter((t) => {
    if (t.peer && !peersInstalled) {
      const note = `${t.name} skipped: bench/node_modules is missing (npm ci --prefix bench)`;
      console.log(`NOTE: ${note}`);
      notes.push(note);
      return false;
    }
    return true;
  });
  if (!existsSync(`${ROOT}dist/gateway/cli.js`)) throw new UsageError('dist/gateway/cli.js is missing: run `npm run build` first (npm run bench does)');

  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  pinSelf('0');
  if (!hasTaskset) notes.push('taskset is not available: processes are NOT pinned to cores.');
  const tool = chooseLoadTool({ smoke, notes });
  const startedAt = new Date();
  const machine = describeMachine(tool);
  console.log(`Atrium bench ${startedAt.toISOString()} — ${machine.summary}`);
  console.log(`targets: ${targets.map((t) => t.name).join(', ')}; scenarios: ${scenarios.join(', ')}; ${JSON.stringify(options)}`);

  const work = mkdtempSync(join(tmpdir(), 'atrium-bench-'));
  const subgraphProc = spawnTracked('subgraphs', process.execPath, [`${BENCH_DIR}subgraphs.mjs`], { cpus: '0' });
  const [, readyLine] = await subgraphProc.waitFor(/(\{"ready":true.*\})\n/, 30_000);
  const urls = JSON.parse(readyLine).urls;
  const supergraphFile = compose(work, urls);

  /** @type {import('./scenarios/context.mjs').Context} */
  const ctx = {
    options,
    targets,
    subgraphs: { proc: subgraphProc, urls, statsUrl: urls.accounts.replace('/graphql', '/__bench/stats') },
    supergraphFile,
    tool,
    loadCpus: '0',
    notes,
    log: (line) => console.log(line),
    status: { failed: false },
  };

  /** @type {import('./scenarios/context.mjs').ScenarioResult[]} */
  const results = [];
  // Dedup can only engage with requests in flight together: the scenarios that send one request at a
  // time run a dedup-off variant only when its default row is not in the run.
  const names = new Set(targets.map((t) => t.name));
  const oneAtATime = targets.filter((t) => !(t.variantOf && names.has(t.variantOf)));
  if (oneAtATime.length < targets.length && scenarios.some((s) => s !== 'throughput')) {
    notes.push(
      `The dedup-off rows (${targets.filter((t) => !oneAtATime.includes(t)).map((t) => t.name).join(', ')}) are measured in the throughput scenario only: the other scenarios send one request at a time, so nothing is in flight to share.`,
    );
  }
  for (const name of scenarios) {
    console.log(`\n=== scenario ${name} ===`);
    const scenario = await import(`./scenarios/${name}.mjs`);
    results.push(await scenario.run({ ...ctx, targets: name === 'throughput' ? targets : oneAtATime }));
  }
  await stopAll();
  rmSync(work, { recursive: true, force: true });

  const command = `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const markdown = [
    `# Atrium bench — ${startedAt.toISOString()}`,
    '',
    `Command: \`${command}\``,
    '',
    `Machine: ${machine.summary}`,
    '',
    `Load average at start: ${machine.loadavg}`,
    '',
    'Targets:',
    ...targets.map((t) => `- \`${t.name}\` — ${t.what}; dedup of in-flight subgraph requests: ${t.dedup}; cpus ${t.cpus}`),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes.map((n) => `- ${n}`)] : []),
    '',
    ...results.flatMap((r) => [`## ${r.title}`, '', r.markdown, '']),
  ].join('\n');
  console.log(`\n${markdown}`);
  const resultsDir = `${BENCH_DIR}results/`;
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${resultsDir}${stamp}.md`, markdown);
  writeFileSync(
    `${resultsDir}${stamp}.json`,
    JSON.stringify({ startedAt, command, options, machine, targets: targets.map(({ command: _, skipWhenExited: __, headers, ...t }) => ({ ...t, ...(headers && { headerNames: Object.keys(headers) }) })), notes, results }, null, 2),
  );
  console.log(`results: bench/results/${stamp}.md and .json`);
  if (ctx.status.failed) {
    console.log(smoke ? 'SMOKE FAILED: a correctness check did not pass' : 'WARNING: a correctness check did not pass (see the check columns)');
    return smoke ? 1 : 0;
  }
  if (smoke) console.log('SMOKE OK');
  return 0;
}

/** @param {string} tool */
function describeMachine(tool) {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? '?';
  const nproc = spawnSync('nproc', ['--all'], { encoding: 'utf8' }).stdout.trim() || String(cpus().length);
  const memGb = (totalmem() / 1024 ** 3).toFixed(1);
  const toolVersion =
    tool === 'wrk' ? (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'wrk').trim() : tool === 'autocannon' ? 'autocannon' : 'built-in load loop';
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  return {
    model,
    nproc,
    memGb,
    node: process.version,
    tool: toolVersion,
    loadavg,
    summary: `${nproc} cores (${model}), ${memGb} GB RAM, Node ${process.version}, ${toolVersion}`,
  };
}

class UsageError extends Error {}

let stopping = false;
async function shutdown(/** @type {number} */ code) {
  if (stopping) return;
  stopping = true;
  await stopAll();
  cleanUpLoad();
  process.exit(code);
}
process.on('SIGINT', () => {
  console.log('\ninterrupted: stopping every process the bench started');
  void shutdown(130);
});
process.on('SIGTERM', () => void shutdown(143));
process.on('exit', () => killAllNow());

main().then(
  (code) => shutdown(code),
  (error) => {
    console.error(error instanceof UsageError ? `bench: ${error.message}\n\n${USAGE}` : error);
    void shutdown(error instanceof UsageError ? 2 : 1);
  },
);
