import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compose, SUBGRAPHS, WORKLOAD_DIR } from '../lib/workload.mjs';
import { atriumServe } from './atrium.mjs';
import { otlpSink } from './atrium-observability.mjs';

/**
 * Atrium with every per-request feature on (bench/gateway-full.yaml): JWT authentication (RS256, required),
 * the authorization filter, cost analysis with an in-memory budget, the access log, Prometheus metrics and
 * tracing of 1% of the requests. Compared with the `atrium` row, what the features cost per request.
 *
 * The public workload's schemas carry no authorization directives, so this row composes its own supergraph:
 * the accounts subgraph from bench/workload/authz/accounts.graphql (the same fields, plus `@authenticated` on
 * User, `@requiresScopes` on User.name and `@policy` on User.username), the other three unchanged, routed to
 * the same bench subgraphs. It signs one token with a key pair made when this module loads, serves the public
 * half as a JWKS file, and the runner sends `authorization: Bearer <token>` with every request (load, checks,
 * readiness); the token meets every requirement, so the answer is expected-response.json byte for byte.
 */

const CONFIG = fileURLToPath(new URL('../gateway-full.yaml', import.meta.url));
const ISSUER = 'https://bench.atrium.invalid';
const KID = 'atrium-bench';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const base64url = (/** @type {string | Buffer} */ data) => Buffer.from(data).toString('base64url');

/** A token valid for a day: signed in, the users:read scope, the claim the bench-reader policy wants. */
function benchToken() {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KID }));
  const claims = { iss: ISSUER, aud: 'atrium-bench', sub: 'bench-user', client_id: 'bench', scope: 'users:read', role: 'reader', iat: now, exp: now + 86_400 };
  const input = `${header}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign('sha256', Buffer.from(input), privateKey))}`;
}

let work = '';
/** @type {Map<string, string>} */
const composed = new Map();

/** The work directory with the JWKS file, made once and removed when the runner exits. */
function workDir() {
  if (work) return work;
  work = mkdtempSync(join(tmpdir(), 'atrium-bench-full-'));
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));
  writeFileSync(join(work, 'jwks.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] }));
  return work;
}

/**
 * The supergraph with the authorization directives, composed once per bench supergraph (whose
 * `@join__graph` URLs say where the subgraphs listen).
 * @param {string} supergraphFile
 */
function authzSupergraph(supergraphFile) {
  const existing = composed.get(supergraphFile);
  if (existing) return existing;
  const text = readFileSync(supergraphFile, 'utf8');
  const urls = Object.fromEntries([...text.matchAll(/@join__graph\(name: "(\w+)", url: "([^"]+)"\)/g)].map((m) => [m[1], m[2]]));
  for (const name of SUBGRAPHS) if (!urls[name]) throw new Error(`no routing URL for ${name} in ${supergraphFile}`);
  const output = compose(workDir(), urls, { schemaFiles: { accounts: `${WORKLOAD_DIR}authz/accounts.graphql` }, name: `supergraph-${composed.size}` });
  composed.set(supergraphFile, output);
  return output;
}

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-full',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, JWT (RS256) + authorization filter + cost analysis + in-memory budget + access log + metrics + tracing sampled at 0.01',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    headers: { authorization: `Bearer ${benchToken()}` },
    command: (ctx) => ({
      ...atriumServe({ ...ctx, supergraphFile: authzSupergraph(ctx.supergraphFile) }, CONFIG),
      env: { ATRIUM_BENCH_JWKS_FILE: join(workDir(), 'jwks.json'), ATRIUM_BENCH_OTLP_URL: otlpSink(ctx.supergraphFile) },
    }),
  },
];
