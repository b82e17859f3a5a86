import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The benchmark workload (bench/workload/): the four subgraph SDLs, their data, the query and the answer
 * every target must give, plus the byte-for-byte check the runner applies before and after load.
 */

export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORKLOAD_DIR = `${BENCH_DIR}workload/`;

/** Subgraph names in the order their ports are handed out. */
export const SUBGRAPHS = /** @type {const} */ (['accounts', 'products', 'inventory', 'reviews']);

const read = (/** @type {string} */ file) => readFileSync(WORKLOAD_DIR + file, 'utf8');

/** @typedef {Record<string, any>} Row */
/** @type {{ users: Row[]; products: Row[]; inventory: Row[]; reviews: Row[] }} */
export const data = JSON.parse(read('data.json'));
export const query = read('query.graphql');
/** expected-response.json as stored: 1-space indentation and a trailing newline. */
export const expectedFile = read('expected-response.json');
/** The same document as a gateway sends it: compact JSON (about 86 KB). */
export const expectedCompact = JSON.stringify(JSON.parse(expectedFile));
/** The request body the load generator sends. */
export const requestBody = JSON.stringify({ query });

/** @param {string} name */
export const subgraphSdl = (name) => read(`schemas/${name}.graphql`);

/**
 * Compares a response body with expected-response.json byte for byte. The file is stored with 1-space
 * indentation, so the body is re-serialised the same way first (key order and every value must match);
 * `rawIdentical` says whether the body's own bytes were already the compact form of the file.
 *
 * @param {string} body
 * @returns {{ ok: boolean; rawIdentical: boolean; offset?: number; detail?: string }}
 */
export function checkBody(body) {
  const rawIdentical = body === expectedCompact;
  if (rawIdentical) return { ok: true, rawIdentical };
  let text;
  try {
    text = `${JSON.stringify(JSON.parse(body), null, 1)}\n`;
  } catch {
    return { ok: false, rawIdentical, offset: 0, detail: `not JSON: ${JSON.stringify(body.slice(0, 120))}` };
  }
  if (text === expectedFile) return { ok: true, rawIdentical };
  const offset = firstDifference(text, expectedFile);
  return {
    ok: false,
    rawIdentical,
    offset,
    detail: `at offset ${offset} of the 1-space form: got ${JSON.stringify(text.slice(offset, offset + 60))}, expected ${JSON.stringify(expectedFile.slice(offset, offset + 60))}`,
  };
}

/**
 * @param {string} a
 * @param {string} b
 */
export function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}

/**
 * Composes the bench supergraph with `atrium compose` into `dir`, routing to the bench subgraphs' URLs.
 * The SDLs are bench/workload/schemas/ (Federation 1); `schemaFiles` replaces some of them (a Federation 2
 * file among them makes a Federation 2 composition, the others upgraded as rover does).
 * @param {string} dir
 * @param {Record<string, string>} urls by subgraph name
 * @param {{ schemaFiles?: Partial<Record<string, string>>; name?: string }} [options] `name`: of the output file
 * @returns {string} the supergraph file
 */
export function compose(dir, urls, { schemaFiles = {}, name = 'supergraph' } = {}) {
  const lines = [`federation_version: ${Object.keys(schemaFiles).length > 0 ? 2 : 1}`, 'subgraphs:'];
  for (const subgraph of SUBGRAPHS) {
    const file = schemaFiles[subgraph] ?? `${WORKLOAD_DIR}schemas/${subgraph}.graphql`;
    lines.push(`  ${subgraph}:`, `    routing_url: ${urls[subgraph]}`, '    schema:', `      file: ${file}`);
  }
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, `${lines.join('\n')}\n`);
  const output = join(dir, `${name}.graphql`);
  const result = spawnSync(process.execPath, [`${ROOT}dist/gateway/cli.js`, 'compose', config, '-o', output], {
    encoding: 'utf8',
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`atrium compose failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return output;
}
