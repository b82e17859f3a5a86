import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './workload.mjs';

/**
 * What a target module (bench/targets/*.mjs) exports: `targets`, one entry per table row. Peer targets
 * run their server from the same file (`node bench/targets/<file>.mjs --port ... --supergraph ...`) and
 * import their packages only there, so the runner can list every target without bench/node_modules.
 *
 * @typedef {object} Target
 * @property {string} name the row name, and the id `--targets` takes
 * @property {string} what what runs: the package names and versions, or the Atrium command
 * @property {boolean} peer true when it needs bench/node_modules
 * @property {string} dedup in-flight deduplication of identical subgraph requests: "none", "on (default)", "off"
 * @property {string} cpus taskset CPU list for the target's processes
 * @property {string} [note] printed under the table
 * @property {string} [variantOf] the target this row varies only in its dedup setting: scenarios that send
 *   one request at a time (nothing in flight to share) skip it when that target runs too
 * @property {Record<string, string>} [headers] request headers every request to this target carries (the load
 *   generator's, the answer checks' and the readiness probe's), e.g. `authorization: Bearer <jwt>`
 * @property {(ctx: StartContext) => { command: string; args: string[]; env?: Record<string, string> }} command
 * @property {(exitCode: number | string, output: string) => string | undefined} [skipWhenExited] a reason to
 *   skip (instead of failing) when the process exits before serving
 */

/**
 * @typedef {object} StartContext
 * @property {number} port
 * @property {string} supergraphFile the composed supergraph SDL, routing to the bench subgraphs
 * @property {string} root the repository root
 */

/** The files of bench/targets/, in the order their rows are run and printed. */
const TARGET_FILES = ['atrium', 'atrium-apollo-planner', 'atrium-observability', 'atrium-cost', 'atrium-full', 'atrium-response-cache', 'atrium-2-workers', 'apollo-gateway', 'hive-gateway', 'hive-gateway-router-runtime', 'grafbase', 'monolith'];

/** Every target of bench/targets/ (bench/run.mjs --list prints them). @returns {Promise<Target[]>} */
export async function loadTargets() {
  const all = [];
  for (const file of TARGET_FILES) all.push(...(await import(`../targets/${file}.mjs`)).targets);
  return all;
}

/** The installed version of a bench dependency, or "?" when bench/node_modules lacks it. */
export function version(/** @type {string} */ pkg) {
  const file = `${BENCH_DIR}node_modules/${pkg}/package.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : '?';
}

/** True when the module with this `import.meta.url` is the script node was started with. */
export const isMain = (/** @type {string} */ moduleUrl) => process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;

/** The flags every peer server script takes. */
export function serverArgs() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      supergraph: { type: 'string' },
      dedup: { type: 'string', default: 'on' },
    },
  });
  if (!values.port || !values.supergraph) throw new Error('usage: --port <n> --supergraph <file> [--host h] [--dedup on|off]');
  return { port: Number(values.port), host: values.host, supergraph: values.supergraph, dedup: values.dedup !== 'off' };
}

/** Exits on SIGTERM/SIGINT after `close()` (bounded), as the runner stops targets by pid. */
export function exitOnSignals(/** @type {() => Promise<unknown>} */ close) {
  const stop = () => {
    setTimeout(() => process.exit(0), 2_000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
