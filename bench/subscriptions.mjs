import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfile } from './lib/cpu-profile-summary.mjs';
import { summarizeHeapGrowth } from './lib/heap-snapshot-summary.mjs';
import { cpuTicks, CLK_TCK, spawnTracked, statusKb, stopAll, tree } from './lib/procs.mjs';
import { fmt, table } from './lib/report.mjs';
import { BENCH_DIR, ROOT } from './lib/workload.mjs';

/**
 * The subscriptions benchmark (not a test): `node bench/subscriptions.mjs [--idle 1000] [--subscribers 100]
 * [--rate 100] [--duration 10] [--entities]` (`npm run bench:subscriptions -- …` builds first). Starts the
 * five demo subgraphs and one `atrium serve --workers 1` as processes, then
 *
 * 1. opens `--idle` subscriptions (one graphql-ws connection each) while no event is published, reports
 *    the gateway's RSS before and after, per open subscription, and closes them;
 * 2. opens `--subscribers` more on `reviewAdded`, publishes `--rate` reviews per second for `--duration`
 *    seconds straight to the reviews subgraph (each review's body is its emit time), and reports the event
 *    latency p50/p99/max from emit to client receipt, the gateway's CPU per published and per delivered
 *    event, and the events lost.
 *
 * Identical subscriptions share one upstream subscription (the default), so the subgraph serves one and the
 * gateway fans every event out. `--entities` adds `item { name price }`, which the gateway fetches from
 * products for every delivered event. Results go to stdout and bench/results/subscriptions-<time>.json.
 * Clients, publisher and subgraphs share the machine with the gateway: run the full goals (10,000 idle,
 * 1,000 events/s × 1,000 subscribers) on a quiet machine.
 */

const USAGE = `Usage: node bench/subscriptions.mjs [--idle n] [--subscribers n] [--rate n] [--duration s] [--entities] [--client-processes n] [--profile] [--heap]`;
const DEMO = ['accounts', 'products', 'inventory', 'reviews', 'orders'];

async function main() {
  const { values } = parseArgs({
    options: {
      idle: { type: 'string', default: '1000' },
      subscribers: { type: 'string', default: '100' },
      rate: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10' },
      entities: { type: 'boolean', default: false },
      'client-processes': { type: 'string', default: '2' },
      profile: { type: 'boolean', default: false },
      heap: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const idleCount = Number(values.idle);
  const subscriberCount = Number(values.subscribers);
  const rate = Number(values.rate);
  const seconds = Number(values.duration);
  const selection = values.entities ? 'id body item { name price }' : 'id body';
  const clientProcesses = Math.max(1, Number(values['client-processes']));

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
  // Limits raised for one client address holding every subscription; metrics on to count them.
  writeFileSync(
    join(dir, 'gateway.yaml'),
    'log:\n  level: info\nmetrics:\n  enabled: true\nauthorization:\n  mode: measure\nsubscriptions:\n  maxPerClient: 10000000\n  maxConnectionsPerAddress: 10000000\n  idleTimeout: 0\n',
  );
  const profileDir = join(dir, 'profile');
  const heapDir = join(dir, 'heap');
  mkdirSync(heapDir);
  const gateway = spawnTracked('gateway', process.execPath, [
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    // With the worker flag given, `serve --workers 1` serves on the main thread, where the signal snapshots.
    ...(values.heap ? ['--max-semi-space-size=32', '--heapsnapshot-signal=SIGUSR2'] : []),
    join(ROOT, 'dist/gateway/cli.js'), 'serve', '--supergraph-config', join(dir, 'supergraph.yaml'), '--config', join(dir, 'gateway.yaml'),
    '--port', '0', '--host', '127.0.0.1', '--workers', '1'
  ], { cwd: heapDir });
  const [, graphqlUrl] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/, 60_000);
  const wsUrl = graphqlUrl.replace(/^http/, 'ws');
  const rssMb = () => tree(gateway.pid).reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) / 1024;
  const open = () => openSubscriptions(graphqlUrl);

  // 1. Idle subscriptions: open while no event is published, closed before the event phase.
  const idleQuery = 'subscription { reviewAdded { id rating } }';
  await settle();
  const rssBefore = rssMb();
  const heapBefore = values.heap ? await heapSnapshot(gateway, heapDir, open) : undefined;
  const idleClients = startSubscribers(wsUrl, idleQuery, idleCount, clientProcesses);
  let opened = 0;
  await waitFor(async () => (opened = await open()) >= idleCount, `${idleCount} idle subscriptions`).catch((error) => {
    for (const client of idleClients) console.error(client.output().slice(-2000));
    throw new Error(`${error.message} (${opened} open)`);
  });
  await settle();
  const rssIdle = rssMb();
  const heapAfter = values.heap ? await heapSnapshot(gateway, heapDir, open) : undefined;
  await Promise.all(idleClients.map((client) => client.stop()));
  await waitFor(async () => (await open()) === 0, 'the idle subscriptions to close');

  // 2. Events fanned out to subscribers.
  const query = `subscription { reviewAdded { ${selection} } }`;
  const subscribers = startSubscribers(wsUrl, query, subscriberCount, clientProcesses);
  await waitFor(async () => (await open()) >= subscriberCount, `${subscriberCount} subscribers`);
  const mutation = 'mutation($b: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $b }) { id } }';
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
    void fetch(urls.reviews, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: mutation, variables: { b: String(performance.timeOrigin + performance.now()) } }),
    }).then((r) => r.arrayBuffer(), () => {});
  }
  const expected = published * subscriberCount;
  const receivedNow = () => subscribers.reduce((sum, client) => sum + receivedBy(client), 0);
  await waitFor(async () => receivedNow() >= expected, 'every event', 10_000).catch(() => {});
  const elapsed = (performance.now() - started) / 1000;
  const cpuSeconds = (ticksOf(gateway.pid) - cpuBefore) / CLK_TCK;
  const runner = process.cpuUsage(runnerBefore);
  const runnerCpuPercent = ((runner.user + runner.system) / 1e6 / elapsed) * 100;
  const percentOf = (ticks) => (ticks / CLK_TCK / elapsed) * 100;
  const reviewsCpuPercent = percentOf(ticksOf(subgraphs.reviews.pid) - reviewsCpuBefore);
  const productsCpuPercent = percentOf(ticksOf(subgraphs.products.pid) - productsCpuBefore);
  const clientsCpuPercent = (subscribers.reduce((sum, client) => sum + ticksOf(client.pid), 0) - clientsCpuBefore) / CLK_TCK / elapsed * 100;
  const load = loadavg();
  const { received, p50, p99, max } = await reports(subscribers);

  const result = {
    when: new Date().toISOString(),
    cpus: cpus().length,
    loadAverage: load.map((l) => Number(l.toFixed(2))),
    idle: { subscriptions: idleCount, rssBeforeMb: rssBefore, rssAfterMb: rssIdle, kbPerSubscription: ((rssIdle - rssBefore) * 1024) / Math.max(idleCount, 1) },
    events: {
      subscribers: subscriberCount,
      ratePerSecond: rate,
      seconds,
      entities: values.entities,
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
      rssMb: rssMb(),
      // The publisher (this process) and the subscriber processes: a process near 100% of a core is the
      // limit, not the gateway.
      publisherCpuPercent: runnerCpuPercent,
      clientProcesses,
      clientsCpuPercent,
      // The subgraph that takes the publisher's mutations and emits the events, and the one the entities come from.
      reviewsCpuPercent,
      productsCpuPercent,
    },
  };
  console.log(`\nSubscriptions benchmark (${result.when}, ${result.cpus} CPUs, load average ${result.loadAverage.join(' ')})\n`);
  console.log(table(['idle subscriptions', 'gateway RSS before (MB)', 'after (MB)', 'per subscription (KB)'], [[idleCount, fmt(rssBefore), fmt(rssIdle), fmt(result.idle.kbPerSubscription)]]));
  console.log();
  const e = result.events;
  console.log(
    table(
      ['subscribers', 'events/s', 'published', 'delivered', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'gateway CPU %', 'CPU ms / published', 'CPU µs / delivered', `clients CPU % (${clientProcesses} proc)`, 'publisher CPU %', 'reviews CPU %', 'products CPU %'],
      [[subscriberCount, rate, published, received, e.lost, fmt(e.p50Ms, 2), fmt(e.p99Ms, 2), fmt(e.maxMs, 1), fmt(e.gatewayCpuPercent), fmt(e.cpuMsPerPublishedEvent, 2), fmt(e.cpuUsPerDeliveredEvent, 1), fmt(e.clientsCpuPercent), fmt(e.publisherCpuPercent), fmt(e.reviewsCpuPercent), fmt(e.productsCpuPercent)]],
    ),
  );
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `subscriptions-${result.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${file}`);

  await Promise.all(subscribers.map((client) => client.stop()));
  if (heapBefore && heapAfter) {
    console.log(`\nThe gateway's JS heap after the ${idleCount} idle subscriptions, less before (served on the main thread for the snapshots):\n`);
    console.log(summarizeHeapGrowth(heapBefore, heapAfter, { per: Math.max(idleCount, 1) }));
    for (const [snapshot, when] of [[heapBefore, 'before'], [heapAfter, 'after']]) {
      const target = join(BENCH_DIR, 'results', `subscriptions-heap-${result.when.replace(/[:.]/g, '-')}-${when}.heapsnapshot`);
      copyFileSync(snapshot, target);
      console.log(target);
    }
  }
  if (values.profile) {
    await gateway.stop(30_000);
    for (const name of readdirSync(profileDir)) {
      const target = join(BENCH_DIR, 'results', `subscriptions-gateway-${result.when.replace(/[:.]/g, '-')}.cpuprofile`);
      copyFileSync(join(profileDir, name), target);
      console.log(`${target}\n${summarizeProfile(target)}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
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

/** The events a subscriber process has counted so far (its last `received <n>` line). */
function receivedBy(client) {
  const lines = client.output().match(/received (\d+)\n/g);
  return lines ? Number(lines.at(-1).slice('received '.length)) : 0;
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
