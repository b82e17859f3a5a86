import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfile } from './lib/cpu-profile-summary.mjs';
import { summarizeHeapGrowth } from './lib/heap-snapshot-summary.mjs';
import { cpuTicks, CLK_TCK, spawnTracked, statusKb, stopAll, tree } from './lib/procs.mjs';
import { fmt, table } from './lib/report.mjs';
import { freePort } from './lib/start.mjs';
import { BENCH_DIR, ROOT } from './lib/workload.mjs';

/**
 * The subscriptions benchmark (not a test): `node bench/subscriptions.mjs [--idle 1000] [--subscribers 100]
 * [--rate 100] [--duration 10] [--entities] [--target atrium]` (`npm run bench:subscriptions -- …` builds first).
 * Starts the five demo subgraphs and, for each gateway of `--target` in turn (`atrium`, `hive-gateway`, or
 * both: `atrium,hive-gateway`), the gateway as a process (`atrium serve --workers 1`; Hive Gateway's runtime
 * with graphql-ws, bench/lib/hive-gateway-subscriptions.mjs), then
 *
 * 1. opens `--idle` subscriptions (one graphql-ws connection each) while no event is published, reports
 *    the gateway's RSS before and after, per open subscription, and closes them;
 * 2. opens `--subscribers` more on `reviewAdded`, warms up for `--warmup` seconds (reviews at `--rate`, at
 *    least 10 per second, whose bodies the subscribers ignore: the first events of a cold gateway run
 *    unoptimized code, which at a low rate would be most of the measured ones), then publishes `--rate`
 *    reviews per second for `--duration` seconds straight to the reviews subgraph (each review's body is
 *    its emit time), and reports the event
 *    latency p50/p99/max from emit to client receipt, the gateway's CPU per published and per delivered
 *    event, and the events lost.
 *
 * Identical subscriptions share one upstream subscription (the default), so the subgraph serves one and the
 * gateway fans every event out. `--entities` adds `item { name price }`, which the gateway fetches from
 * products for every delivered event. `--heap` has the gateway write a heap snapshot before and after the
 * idle subscriptions and prints what grew, by constructor. Results go to stdout and bench/results/subscriptions-<time>.json.
 * Clients, publisher and subgraphs share the machine with the gateway: run the full goals (10,000 idle,
 * 1,000 events/s × 1,000 subscribers) on a quiet machine.
 */

const USAGE = `Usage: node bench/subscriptions.mjs [--idle n] [--subscribers n] [--rate n] [--duration s] [--warmup s] [--entities] [--target atrium,hive-gateway] [--client-processes n] [--profile] [--heap]`;
/** The gateways `--target` can name: Atrium (`atrium serve --workers 1`), Hive Gateway (bench/lib/hive-gateway-subscriptions.mjs). */
const TARGETS = ['atrium', 'hive-gateway'];
const DEMO = ['accounts', 'products', 'inventory', 'reviews', 'orders'];

async function main() {
  const { values } = parseArgs({
    options: {
      idle: { type: 'string', default: '1000' },
      subscribers: { type: 'string', default: '100' },
      rate: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      entities: { type: 'boolean', default: false },
      target: { type: 'string', default: 'atrium' },
      'client-processes': { type: 'string', default: '2' },
      profile: { type: 'boolean', default: false },
      heap: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const targets = values.target.split(',').map((name) => name.trim());
  for (const name of targets) if (!TARGETS.includes(name)) throw new Error(`--target ${name}: not one of ${TARGETS.join(', ')}`);
  const options = {
    idleCount: Number(values.idle),
    subscriberCount: Number(values.subscribers),
    rate: Number(values.rate),
    seconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    entities: values.entities,
    clientProcesses: Math.max(1, Number(values['client-processes'])),
    profile: values.profile,
    heap: values.heap,
  };

  const dir = mkdtempSync(join(tmpdir(), 'atrium-bench-subs-'));
  const urls = {};
  const subgraphs = {};
  for (const name of DEMO) {
    const subgraph = (subgraphs[name] = spawnTracked(name, process.execPath, [join(ROOT, 'dist/subgraphs/serve-subgraph.js'), name, '--port', '0']));
    const [, url] = await subgraph.waitFor(new RegExp(`${name} listening on (http://\\S+)`));
    urls[name] = url;
  }
  const lines = ['federation_version: 2', 'subgraphs:'];
  for (const name of DEMO) lines.push(`  ${name}:`, `    routing_url: ${urls[name]}`, '    schema:', `      file: ${join(ROOT, 'schema', `${name}.graphql`)}`);
  writeFileSync(join(dir, 'supergraph.yaml'), `${lines.join('\n')}\n`);
  // Limits raised for one client address holding every subscription; metrics on to count them. The headers
  // timeout as long as it may be (receiveTimeout's 30 s): upgrades that queue behind thousands of others
  // took more than the default 10 s on a busy machine and were answered 408.
  writeFileSync(
    join(dir, 'gateway.yaml'),
    'log:\n  level: info\nmetrics:\n  enabled: true\nauthorization:\n  mode: measure\nserver:\n  headersTimeout: 30s\nsubscriptions:\n  maxPerClient: 10000000\n  maxConnectionsPerAddress: 10000000\n  idleTimeout: 0\n',
  );

  const when = new Date().toISOString();
  const stamp = when.replace(/[:.]/g, '-');
  const runs = [];
  for (const target of targets) runs.push(await runTarget(target, { dir, urls, subgraphs, options, stamp }));

  const load = loadavg();
  const result = { when, cpus: cpus().length, loadAverage: load.map((l) => Number(l.toFixed(2))), runs };
  const { idleCount, subscriberCount, rate, clientProcesses } = options;
  console.log(`\nSubscriptions benchmark (${result.when}, ${result.cpus} CPUs, load average ${result.loadAverage.join(' ')})\n`);
  console.log(
    table(
      ['gateway', 'idle subscriptions', 'gateway RSS before (MB)', 'after (MB)', 'per subscription (KB)'],
      runs.map(({ target, idle }) => [target, idleCount, fmt(idle.rssBeforeMb), fmt(idle.rssAfterMb), fmt(idle.kbPerSubscription)]),
    ),
  );
  const withV8 = runs.filter(({ idle }) => idle.v8Before);
  if (withV8.length > 0) {
    console.log(`\nThe serving isolate's memory before → after the idle subscriptions (its /metrics; MB):\n`);
    const span = (idle, key) => `${fmt(idle.v8Before[key])} → ${fmt(idle.v8After[key])}`;
    console.log(
      table(
        ['gateway', 'V8 heap committed', 'of it young generation', 'heap used', 'external (ArrayBuffers, ...)'],
        withV8.map(({ target, idle }) => [target, span(idle, 'heapTotalMb'), span(idle, 'newSpaceMb'), span(idle, 'heapUsedMb'), span(idle, 'externalMb')]),
      ),
    );
  }
  console.log(`\nEvents, measured after a ${options.warmupSeconds} s warm-up:\n`);
  console.log(
    table(
      ['gateway', 'subscribers', 'events/s', 'published', 'delivered', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'gateway CPU %', 'CPU ms / published', 'CPU µs / delivered', `clients CPU % (${clientProcesses} proc)`, 'publisher CPU %', 'reviews CPU %', 'products CPU %'],
      runs.map(({ target, events: e }) => [target, subscriberCount, rate, e.published, e.delivered, e.lost, fmt(e.p50Ms, 2), fmt(e.p99Ms, 2), fmt(e.maxMs, 1), fmt(e.gatewayCpuPercent), fmt(e.cpuMsPerPublishedEvent, 2), fmt(e.cpuUsPerDeliveredEvent, 1), fmt(e.clientsCpuPercent), fmt(e.publisherCpuPercent), fmt(e.reviewsCpuPercent), fmt(e.productsCpuPercent)]),
    ),
  );
  for (const { target, events } of runs) if (events.firstFailure) console.log(`\n${target}: ${events.firstFailure}`);
  for (const { target, heapGrowth } of runs) {
    if (!heapGrowth) continue;
    console.log(`\n${target}'s JS heap after the ${idleCount} idle subscriptions, less before (served on the main thread for the snapshots):\n`);
    console.log(heapGrowth);
  }
  for (const { profileSummary } of runs) if (profileSummary) console.log(`\n${profileSummary}`);
  const file = join(BENCH_DIR, 'results', `subscriptions-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(result, (key, value) => (key === 'heapGrowth' || key === 'profileSummary' ? undefined : value), 2)}\n`);
  console.log(`\n${file}`);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * One gateway through both phases. Atrium counts its open subscriptions in /metrics; Hive Gateway has no
 * such count, so for it a subscription counts as open once its connection was acknowledged (the client
 * sends `subscribe` right after), and every wait on it ends with another second to settle.
 */
async function runTarget(target, { dir, urls, subgraphs, options, stamp }) {
  const { idleCount, subscriberCount, rate, seconds, clientProcesses } = options;
  const selection = options.entities ? 'id body item { name price }' : 'id body';
  const isAtrium = target === 'atrium';
  const profileDir = join(dir, `profile-${target}`);
  const heapDir = join(dir, `heap-${target}`);
  mkdirSync(heapDir);
  const nodeFlags = [
    ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    // With the worker flag given, `serve --workers 1` serves on the main thread, where the signal snapshots.
    ...(options.heap ? [...(isAtrium ? ['--max-semi-space-size=32'] : []), '--heapsnapshot-signal=SIGUSR2'] : []),
  ];
  let gateway;
  let graphqlUrl;
  if (isAtrium) {
    gateway = spawnTracked('gateway', process.execPath, [
      ...nodeFlags,
      join(ROOT, 'dist/gateway/cli.js'), 'serve', '--supergraph-config', join(dir, 'supergraph.yaml'), '--config', join(dir, 'gateway.yaml'),
      '--port', '0', '--host', '127.0.0.1', '--workers', '1'
    ], { cwd: heapDir });
    [, graphqlUrl] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/, 60_000);
  } else {
    const supergraph = join(dir, 'supergraph.graphql');
    const composed = spawnSync(process.execPath, [join(ROOT, 'dist/gateway/cli.js'), 'compose', join(dir, 'supergraph.yaml'), '-o', supergraph], { encoding: 'utf8' });
    if (composed.status !== 0) throw new Error(`atrium compose failed (${composed.status}):\n${composed.stdout}${composed.stderr}`);
    gateway = spawnTracked(target, process.execPath, [...nodeFlags, join(BENCH_DIR, 'lib/hive-gateway-subscriptions.mjs'), '--port', String(await freePort()), '--supergraph', supergraph], { cwd: heapDir });
    [, graphqlUrl] = await gateway.waitFor(/listening on (http:\/\/\S+)/, 60_000);
  }
  const wsUrl = graphqlUrl.replace(/^http/, 'ws');
  const rssMb = () => tree(gateway.pid).reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) / 1024;
  /** Resolves once `count` subscriptions of `clients` are open (closed, with `count` 0). */
  const opened = async (clients, count, what) => {
    let seen = 0;
    const check = isAtrium
      ? async () => (count === 0 ? (seen = await openSubscriptions(graphqlUrl)) === 0 : (seen = await openSubscriptions(graphqlUrl)) >= count)
      : async () => count === 0 || (seen = clients.reduce((sum, client) => sum + lastCount(client, 'connected'), 0)) >= count;
    await waitFor(check, what).catch((error) => {
      for (const client of clients) console.error(client.output().slice(-2000));
      throw new Error(`${error.message} (${seen} open)`);
    });
    if (!isAtrium) await settle();
  };
  const answers = () => fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });

  // 1. Idle subscriptions: open while no event is published, closed before the event phase.
  const idleQuery = 'subscription { reviewAdded { id rating } }';
  await settle();
  const rssBefore = rssMb();
  const v8Before = isAtrium ? await v8Memory(graphqlUrl) : undefined;
  const heapBefore = options.heap ? await heapSnapshot(gateway, heapDir, answers) : undefined;
  const idleClients = startSubscribers(wsUrl, idleQuery, idleCount, clientProcesses);
  await opened(idleClients, idleCount, `${idleCount} idle subscriptions`);
  await settle();
  const rssIdle = rssMb();
  const v8Idle = isAtrium ? await v8Memory(graphqlUrl) : undefined;
  const heapAfter = options.heap ? await heapSnapshot(gateway, heapDir, answers) : undefined;
  await Promise.all(idleClients.map((client) => client.stop()));
  await opened(idleClients, 0, 'the idle subscriptions to close');

  // 2. Events fanned out to subscribers.
  const query = `subscription { reviewAdded { ${selection} } }`;
  const subscribers = startSubscribers(wsUrl, query, subscriberCount, clientProcesses);
  await opened(subscribers, subscriberCount, `${subscriberCount} subscribers`);
  const mutation = 'mutation($b: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $b }) { id } }';
  const publish = (body) =>
    void fetch(urls.reviews, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: mutation, variables: { b: body } }) }).then(
      (r) => r.arrayBuffer(),
      () => {},
    );
  const warmupRate = Math.max(rate, 10);
  for (let i = 0; i < Math.round(warmupRate * options.warmupSeconds); i++) {
    publish('warm-up');
    await new Promise((resolve) => setTimeout(resolve, 1000 / warmupRate));
  }
  if (options.warmupSeconds > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  const cpuBefore = ticksOf(gateway.pid);
  const clientsCpuBefore = subscribers.reduce((sum, client) => sum + ticksOf(client.pid), 0);
  const reviewsCpuBefore = ticksOf(subgraphs.reviews.pid);
  const productsCpuBefore = ticksOf(subgraphs.products.pid);
  const runnerBefore = process.cpuUsage();
  const started = performance.now();
  let published = 0;
  const total = Math.round(rate * seconds);
  while (published < total) {
    const due = started + (published * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    published++;
    publish(String(performance.timeOrigin + performance.now()));
  }
  const expected = published * subscriberCount;
  const receivedNow = () => subscribers.reduce((sum, client) => sum + lastCount(client, 'received'), 0);
  await waitFor(async () => receivedNow() >= expected, 'every event', 10_000).catch(() => {});
  const elapsed = (performance.now() - started) / 1000;
  const cpuSeconds = (ticksOf(gateway.pid) - cpuBefore) / CLK_TCK;
  const runner = process.cpuUsage(runnerBefore);
  const runnerCpuPercent = ((runner.user + runner.system) / 1e6 / elapsed) * 100;
  const percentOf = (ticks) => (ticks / CLK_TCK / elapsed) * 100;
  const reviewsCpuPercent = percentOf(ticksOf(subgraphs.reviews.pid) - reviewsCpuBefore);
  const productsCpuPercent = percentOf(ticksOf(subgraphs.products.pid) - productsCpuBefore);
  const clientsCpuPercent = (subscribers.reduce((sum, client) => sum + ticksOf(client.pid), 0) - clientsCpuBefore) / CLK_TCK / elapsed * 100;
  const { received, p50, p99, max } = await reports(subscribers);
  const rssEvents = rssMb();
  // What a subscription that failed was told (subscriber-process.mjs prints it), to say why events were lost.
  const failure = subscribers.map((client) => client.output().match(/subscription failed[^\n]*(\n[^\n]*){0,6}/)?.[0]).find(Boolean);
  await Promise.all(subscribers.map((client) => client.stop()));

  const run = {
    target,
    idle: { subscriptions: idleCount, rssBeforeMb: rssBefore, rssAfterMb: rssIdle, kbPerSubscription: ((rssIdle - rssBefore) * 1024) / Math.max(idleCount, 1), v8Before, v8After: v8Idle },
    events: {
      subscribers: subscriberCount,
      ratePerSecond: rate,
      seconds,
      warmupSeconds: options.warmupSeconds,
      entities: options.entities,
      published,
      delivered: received,
      lost: expected - received,
      p50Ms: p50,
      p99Ms: p99,
      maxMs: max,
      gatewayCpuSeconds: cpuSeconds,
      gatewayCpuPercent: (cpuSeconds / elapsed) * 100,
      cpuMsPerPublishedEvent: (cpuSeconds * 1000) / Math.max(published, 1),
      cpuUsPerDeliveredEvent: (cpuSeconds * 1e6) / Math.max(received, 1),
      rssMb: rssEvents,
      // The publisher (this process) and the subscriber processes: a process near 100% of a core is the
      // limit, not the gateway.
      publisherCpuPercent: runnerCpuPercent,
      clientProcesses,
      clientsCpuPercent,
      // The subgraph that takes the publisher's mutations and emits the events, and the one the entities come from.
      reviewsCpuPercent,
      productsCpuPercent,
      ...(failure && { firstFailure: failure }),
    },
  };
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  if (heapBefore && heapAfter) {
    run.heapGrowth = summarizeHeapGrowth(heapBefore, heapAfter, { per: Math.max(idleCount, 1) });
    for (const [snapshot, when] of [[heapBefore, 'before'], [heapAfter, 'after']]) {
      const file = join(BENCH_DIR, 'results', `subscriptions-heap-${target}-${stamp}-${when}.heapsnapshot`);
      copyFileSync(snapshot, file);
      run.heapGrowth += `\n${file}`;
    }
  }
  await gateway.stop(30_000);
  if (options.profile) {
    for (const name of readdirSync(profileDir)) {
      const file = join(BENCH_DIR, 'results', `subscriptions-${target}-${stamp}.cpuprofile`);
      copyFileSync(join(profileDir, name), file);
      run.profileSummary = `${file}\n${summarizeProfile(file)}`;
    }
  }
  return run;
}

/** `count` subscriptions spread over `processes` subscriber processes (bench/lib/subscriber-process.mjs). */
function startSubscribers(url, query, count, processes) {
  const started = [];
  for (let i = 0; i < processes; i++) {
    const share = Math.floor(count / processes) + (i < count % processes ? 1 : 0);
    if (share > 0) started.push(spawnTracked(`subscribers-${i}`, process.execPath, [join(BENCH_DIR, 'lib/subscriber-process.mjs'), url, String(share), query]));
  }
  return started;
}

/** A subscriber process's last `received <n>` (events) or `connected <n>` (acknowledged connections). */
function lastCount(client, what) {
  const lines = client.output().match(new RegExp(`${what} (\\d+)\n`, 'g'));
  return lines ? Number(lines.at(-1).slice(what.length + 1)) : 0;
}

/** Every subscriber process's count and latencies (a histogram, ms), from its `report` line. */
async function reports(subscribers) {
  let received = 0;
  const histogram = new Map();
  for (const client of subscribers) {
    process.kill(client.pid, 'SIGUSR2');
    const [, json] = await client.waitFor(/report (.*)\n/);
    const report = JSON.parse(json);
    received += report.received;
    for (const [bucket, events] of report.histogram) histogram.set(bucket, (histogram.get(bucket) ?? 0) + events);
  }
  const buckets = [...histogram].sort(([a], [b]) => a - b);
  /** The latency (ms) at percentile `p`, as `percentile` reads a sorted list. */
  const at = (p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * received));
    let seen = 0;
    for (const [bucket, events] of buckets) if ((seen += events) >= rank) return bucket;
    return Number.NaN;
  };
  return { received, p50: at(50), p99: at(99), max: buckets.length > 0 ? buckets.at(-1)[0] : Number.NaN };
}

/**
 * Has the gateway write a heap snapshot (SIGUSR2, see `--heap`) and waits for it: writing blocks the
 * gateway's event loop, so its next answer comes once the file is complete.
 */
async function heapSnapshot(gateway, heapDir, answer) {
  const before = new Set(readdirSync(heapDir));
  process.kill(gateway.pid, 'SIGUSR2');
  let file;
  await waitFor(async () => {
    file = readdirSync(heapDir).find((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
    // The gateway may reset a kept-alive connection it finds timed out once the snapshot is written: ask again.
    return file !== undefined && (await answer().then(() => true, () => false));
  }, 'a heap snapshot');
  return join(heapDir, file);
}

/** The gateway's open WebSocket subscriptions, from /metrics. */
/** The serving isolate's V8 heap (committed, young generation, used) and external memory, from its /metrics, in MB. */
async function v8Memory(graphqlUrl) {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const mb = (pattern) => Number(text.match(pattern)?.[1] ?? NaN) / 2 ** 20;
  return {
    heapTotalMb: mb(/^nodejs_heap_size_total_bytes (\S+)/m),
    newSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m),
    heapUsedMb: mb(/^nodejs_heap_size_used_bytes (\S+)/m),
    externalMb: mb(/^nodejs_external_memory_bytes (\S+)/m),
  };
}

async function openSubscriptions(graphqlUrl) {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const match = text.match(/atrium_subscriptions_open\{transport="websocket"\} (\d+)/);
  return match ? Number(match[1]) : 0;
}

async function waitFor(check, what, withinMs = 120_000) {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A second for the gateway's memory and timers to settle before a reading. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

function ticksOf(pid) {
  let sum = 0;
  for (const ticks of cpuTicks(tree(pid)).values()) sum += ticks;
  return sum;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
