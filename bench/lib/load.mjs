import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './workload.mjs';
import { spawnTracked } from './procs.mjs';

/**
 * Load generation: wrk (preferred; a Lua `done` hook prints the summary and latency percentiles as
 * JSON), autocannon from bench/node_modules when wrk cannot be had, or a small built-in closed loop
 * (smoke mode: no wrk and no bench/node_modules needed). All three keep `connections` requests in
 * flight, each connection sending its next request when the previous answer arrived.
 */

/**
 * @typedef {object} LoadResult
 * @property {string} tool
 * @property {number} requests completed requests (any status)
 * @property {number} seconds measured duration
 * @property {number} rps
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} errors connect/read/write/timeout errors and non-2xx answers
 * @property {number} bytesPerResponse average bytes received per response (headers included)
 */

/** @returns {boolean} */
const onPath = (/** @type {string} */ bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

/**
 * Picks the load tool: wrk if present; else, as root with apt-get, installs the Debian package; else
 * autocannon if bench/node_modules has it; else the built-in loop. `notes` say what happened.
 * @param {{ smoke: boolean; notes: string[] }} options
 * @returns {'wrk' | 'autocannon' | 'builtin'}
 */
export function chooseLoadTool({ smoke, notes }) {
  if (smoke) return 'builtin';
  if (onPath('wrk')) return 'wrk';
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log('wrk is missing: installing the Debian package (apt-get install -y wrk)');
    let install = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (install.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      install = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
    if (install.status === 0 && onPath('wrk')) {
      notes.push('wrk was installed by the runner (apt-get install -y wrk).');
      return 'wrk';
    }
  }
  if (existsSync(`${BENCH_DIR}node_modules/autocannon/autocannon.js`)) {
    notes.push('wrk is not available: load generated with autocannon instead.');
    console.log('NOTE: wrk is not available, falling back to autocannon');
    return 'autocannon';
  }
  notes.push('Neither wrk nor autocannon is available: load generated with the built-in Node loop (less precise).');
  console.log('NOTE: neither wrk nor autocannon is available, using the built-in load loop');
  return 'builtin';
}

let luaDir = '';
/** @type {Map<string, string>} */
const scripts = new Map();

/** Removes the wrk scripts written so far (the runner calls it at the end). */
export function cleanUpLoad() {
  if (luaDir) rmSync(luaDir, { recursive: true, force: true });
  luaDir = '';
  scripts.clear();
}

/** @param {string} body @param {Record<string, string>} headers */
function wrkScript(body, headers) {
  const key = JSON.stringify([body, headers]);
  const existing = scripts.get(key);
  if (existing) return existing;
  luaDir ||= mkdtempSync(join(tmpdir(), 'atrium-bench-wrk-'));
  const file = join(luaDir, `post-${scripts.size}.lua`);
  scripts.set(key, file);
  writeFileSync(
    file,
    `-- POST the GraphQL request; print the summary and latency percentiles (microseconds) as JSON.
wrk.method = "POST"
wrk.body = ${luaString(body)}
wrk.headers["Content-Type"] = "application/json"
${Object.entries(headers)
  .map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}\n`)
  .join('')}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.3f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`,
  );
  return file;
}

/** A Lua long string that cannot be closed early by the body's own text. */
function luaString(/** @type {string} */ text) {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

/**
 * @param {object} options
 * @param {'wrk' | 'autocannon' | 'builtin'} options.tool
 * @param {string} options.url
 * @param {string} options.body
 * @param {number} options.connections
 * @param {number} options.seconds
 * @param {string} [options.cpus] where the load generator runs (wrk, autocannon)
 * @param {Record<string, string>} [options.headers] sent with every request besides content-type (a target's credentials)
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(options) {
  if (options.tool === 'wrk') return runWrk(options);
  if (options.tool === 'autocannon') return runAutocannon(options);
  return runBuiltin(options);
}

/** @param {Parameters<typeof runLoad>[0]} options */
async function runWrk({ url, body, connections, seconds, cpus, headers = {} }) {
  const script = wrkScript(body, headers);
  const wrk = spawnTracked('wrk', 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', script, url], { cpus });
  const code = await wrk.exited;
  const line = wrk.output().match(/WRK_JSON (\{.*\})/);
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}):\n${wrk.output().slice(-2000)}`);
  const s = JSON.parse(line[1]);
  const secondsMeasured = s.duration_us / 1e6;
  return {
    tool: 'wrk',
    requests: s.requests,
    seconds: secondsMeasured,
    rps: s.requests / secondsMeasured,
    p50Ms: s.p50 / 1000,
    p99Ms: s.p99 / 1000,
    errors: s.connect + s.read + s.write + s.timeout + s.status,
    bytesPerResponse: s.requests > 0 ? s.bytes / s.requests : 0,
  };
}

/** @param {Parameters<typeof runLoad>[0]} options */
async function runAutocannon({ url, body, connections, seconds, cpus, headers = {} }) {
  const bin = `${BENCH_DIR}node_modules/autocannon/autocannon.js`;
  const extra = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const args = [bin, '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', ...extra, '-b', body, '-j', '--timeout', '30', url];
  const ac = spawnTracked('autocannon', process.execPath, args, { cpus });
  const code = await ac.exited;
  const text = ac.output();
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  if (code !== 0 || !json) throw new Error(`autocannon failed (${code}):\n${text.slice(-2000)}`);
  const r = JSON.parse(json);
  const requests = r.requests.total;
  return {
    tool: 'autocannon',
    requests,
    seconds: r.duration,
    rps: requests / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    bytesPerResponse: requests > 0 ? r.throughput.total / requests : 0,
  };
}

/** @param {Parameters<typeof runLoad>[0]} options */
async function runBuiltin({ url, body, connections, seconds, headers = {} }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const payload = Buffer.from(body);
  /** @type {number[]} */
  const latencies = [];
  let errors = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          agent,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => {
          res.on('data', (chunk) => {
            bytes += chunk.length;
          });
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) errors++;
            latencies.push(performance.now() - t0);
            resolve(undefined);
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve(undefined);
      });
      req.end(payload);
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    tool: 'builtin',
    requests: latencies.length,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    bytesPerResponse: latencies.length > 0 ? bytes / latencies.length : 0,
  };
}

/**
 * @param {number[]} sorted ascending
 * @param {number} p 0..100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
