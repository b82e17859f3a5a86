import { createServer } from 'node:net';
import { waitUntilServing } from './http.mjs';
import { spawnTracked } from './procs.mjs';
import { ROOT, requestBody } from './workload.mjs';

/**
 * Starting one target for one measurement: a free port, the process pinned where the target says,
 * and a wait until it answers the benchmark query.
 */

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} Started
 * @property {import('./procs.mjs').Tracked} proc
 * @property {string} url the GraphQL endpoint
 * @property {number} readyMs spawn to the first answered benchmark query
 * @property {Record<string, string>} headers what every request to it carries besides the body's headers
 *   (the target's `headers`, e.g. a bearer token)
 * @property {number} steadyMs spawn to the 4th good answer in a row (every worker of a multi-process
 *   target serving, in practice)
 */

/**
 * @param {import('./target.mjs').Target} target
 * @param {{ supergraphFile: string; readyWithinMs?: number; root?: string }} context `root`: the checkout whose
 *   build runs (default: this one)
 * @returns {Promise<Started | { skipped: string }>}
 */
export async function startTarget(target, context) {
  const port = /** @type {number} */ (await freePort());
  const { command, args, env } = target.command({ port, root: context.root ?? ROOT, supergraphFile: context.supergraphFile });
  const since = performance.now();
  const proc = spawnTracked(target.name, command, args, { cpus: target.cpus, env: { NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: '1', ...env } });
  const url = `http://127.0.0.1:${port}/graphql`;
  const headers = target.headers ?? {};
  try {
    const { firstMs: readyMs, steadyMs } = await waitUntilServing(url, requestBody, {
      since,
      withinMs: context.readyWithinMs ?? 90_000,
      exited: () => !proc.running(),
      describe: () => proc.output().slice(-2000),
      headers,
    });
    return { proc, url, headers, readyMs, steadyMs };
  } catch (error) {
    const code = proc.running() ? undefined : await proc.exited;
    await proc.stop();
    const reason = code === undefined ? undefined : target.skipWhenExited?.(code, proc.output());
    if (reason) return { skipped: reason };
    throw new Error(`${target.name} did not start: ${/** @type {Error} */ (error).message}`);
  }
}
