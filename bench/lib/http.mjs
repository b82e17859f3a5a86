import { Agent, request } from 'node:http';
import { checkBody, requestBody } from './workload.mjs';

/** A small HTTP client for the runner's own requests (checks, readiness, per-operation timings). */

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * POSTs `body` as JSON; resolves with the status, the body text and the milliseconds it took.
 * @param {string} url
 * @param {string} body
 * @param {{ timeoutMs?: number; fresh?: boolean; headers?: Record<string, string> }} [options] `fresh`: a new connection,
 *   not kept alive; `headers`: sent besides content-type and content-length (a target's credentials)
 * @returns {Promise<{ status: number; text: string; ms: number }>}
 */
export function post(url, body, options = {}) {
  const target = new URL(url);
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        agent: options.fresh ? false : agent,
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json', 'content-length': payload.length },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** @param {string} url @returns {Promise<any>} */
export async function getJson(url) {
  const response = await fetch(url);
  return response.json();
}

/**
 * Polls with the benchmark request (a fresh connection each time, every 10 ms) until the target answers
 * 200 with a JSON body that has `data`, then until it has done so `inARow` times in a row: a
 * multi-process target answers from whichever worker is up first, and a worker still loading answers
 * 503. Resolves with the milliseconds since `since` (a performance.now() value) to the first answer and
 * to the last of the run of good ones. Rejects when `exited()` says the process died, or after `withinMs`.
 * @param {string} url
 * @param {string} body
 * @param {{ since: number; withinMs: number; exited: () => boolean; describe: () => string; inARow?: number; headers?: Record<string, string> }} options
 * @returns {Promise<{ firstMs: number; steadyMs: number }>}
 */
export async function waitUntilServing(url, body, { since, withinMs, exited, describe, inARow = 4, headers }) {
  let firstMs = Number.NaN;
  let good = 0;
  for (;;) {
    let ok = false;
    try {
      const { status, text } = await post(url, body, { timeoutMs: 10_000, fresh: true, headers });
      ok = status === 200 && text.includes('"data"');
    } catch {
      // not listening yet
    }
    if (ok) {
      if (Number.isNaN(firstMs)) firstMs = performance.now() - since;
      if (++good >= inARow) return { firstMs, steadyMs: performance.now() - since };
      continue;
    }
    good = 0;
    if (exited()) throw new Error(`exited before serving:\n${describe()}`);
    if (performance.now() - since > withinMs) throw new Error(`not serving within ${withinMs} ms:\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * One benchmark query to `url`: "OK" when the answer is expected-response.json byte for byte with HTTP 200,
 * else what differs (the status, or MISMATCH with the first differing offset).
 * @param {string} url
 * @param {Record<string, string>} headers
 */
export async function checkAnswer(url, headers) {
  try {
    const { status, text } = await post(url, requestBody, { headers });
    const result = checkBody(text);
    if (result.ok) return status === 200 ? 'OK' : `OK body but HTTP ${status}`;
    return `MISMATCH (HTTP ${status}, first differing offset ${result.offset}: ${result.detail})`;
  } catch (error) {
    return `MISMATCH (request failed: ${/** @type {Error} */ (error).message})`;
  }
}
