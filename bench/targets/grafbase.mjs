import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR } from '../lib/workload.mjs';
import { isMain, serverArgs, version } from '../lib/target.mjs';

/**
 * Grafbase's gateway (Rust), from the release CLI the npm registry ships as
 * `@grafbase/cli-x86_64-unknown-linux-musl`: `grafbase dev -c grafbase.toml --listen-address …` serves a
 * federated graph composed from a toml that lists each subgraph's URL and SDL file. This script reads the
 * subgraphs from the bench supergraph (`@join__graph`), asks each for its SDL once (`_service { sdl }`,
 * what `grafbase introspect` does), writes the toml and starts the binary with HOME in a temp directory
 * (it unpacks its explorer there). No network beyond the bench subgraphs is needed.
 */

const file = fileURLToPath(import.meta.url);
const PACKAGE = '@grafbase/cli-x86_64-unknown-linux-musl';
const BINARY = `${BENCH_DIR}node_modules/${PACKAGE}/grafbase`;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'grafbase',
    what: `Grafbase gateway (Rust), ${PACKAGE} ${version(PACKAGE)}: grafbase dev, default settings`,
    peer: true,
    dedup: 'on (default)',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({ command: process.execPath, args: [file, '--port', String(port), '--supergraph', supergraphFile] }),
    skipWhenExited: (_code, output) => (output.includes('grafbase binary not found') ? `${PACKAGE} is not installed (x86_64 Linux only)` : undefined),
  },
];

/** `name → url` of every subgraph of a supergraph SDL, from its `join__Graph` enum. */
function subgraphsOf(/** @type {string} */ sdl) {
  return [...sdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map(([, name, url]) => ({ name, url }));
}

async function subgraphSdl(/** @type {string} */ url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = await response.json();
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') throw new Error(`no SDL from ${url}: ${JSON.stringify(body).slice(0, 200)}`);
  return sdl;
}

if (isMain(import.meta.url)) {
  const { port, host, supergraph } = serverArgs();
  if (!existsSync(BINARY)) {
    console.error(`grafbase binary not found at ${BINARY}`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'atrium-bench-grafbase-'));
  const lines = [];
  for (const { name, url } of subgraphsOf(readFileSync(supergraph, 'utf8'))) {
    writeFileSync(join(dir, `${name}.graphql`), await subgraphSdl(url));
    lines.push(`[subgraphs.${name}]`, `url = "${url}"`, `schema_path = "./${name}.graphql"`, '');
  }
  writeFileSync(join(dir, 'grafbase.toml'), lines.join('\n'));
  const child = spawn(BINARY, ['dev', '-c', join(dir, 'grafbase.toml'), '--listen-address', `${host}:${port}`], {
    cwd: dir,
    env: { ...process.env, HOME: join(dir, 'home'), GRAFBASE_DISABLE_TELEMETRY: '1', DO_NOT_TRACK: '1' },
    stdio: 'inherit',
  });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  child.on('exit', (code) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code ?? 0);
  });
}
