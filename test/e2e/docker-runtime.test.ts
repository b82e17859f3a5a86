import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { type DockerStage, execForm, readDockerfile } from '../helpers/dockerfile.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { assertBuilt, postGraphQL, ROOT, type RunningProcess, SERVE_SUBGRAPH, startNode, waitForStatus } from './processes.js';
import { freePort } from '../helpers/free-port.js';

// Issue 19, item 2: no image can be built here (no Docker), so this test performs the Dockerfile's runtime
// stage itself, instruction by instruction, in an empty directory standing for /app: its COPYs (the build
// stage's output is this clone's dist/), its RUNs (the production-only `npm ci`), its ENV, then its
// ENTRYPOINT + CMD against the demo subgraphs and a real Redis with docker-compose.yml's gateway.yaml (every
// shared store in Redis), and its HEALTHCHECK command against the running gateway.

const execFileAsync = promisify(execFile);
const DEMO = ['accounts', 'products', 'inventory', 'reviews', 'orders'];
const CROSS_SUBGRAPH_QUERY = '{ topProducts(first: 2) { name price inStock shippingEstimate reviews { rating author { username } } } }';

const runtime: DockerStage = readDockerfile(join(ROOT, 'Dockerfile')).find((stage) => stage.name === 'runtime')!;
let app: string;
let configDir: string;
const imageEnv: Record<string, string> = {};
const subgraphs: RunningProcess[] = [];
let redis: TestRedis | undefined;

/** The environment of a user's shell plus the image's ENV: none of the `npm_*` variables of the `npm test` running this. */
function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'));
  return { ...Object.fromEntries(inherited), ...imageEnv, ...extra };
}

beforeAll(async () => {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'atrium-image-'));
  app = join(dir, 'app');
  configDir = join(dir, 'config');
  await mkdir(app);
  await mkdir(configDir);
  for (const instruction of runtime.instructions) {
    if (instruction.keyword === 'ENV') {
      for (const pair of instruction.args.split(/\s+/)) {
        const [name, value] = pair.split('=');
        imageEnv[name!] = value!;
      }
    } else if (instruction.keyword === 'COPY') {
      const parts = instruction.args.split(/\s+/);
      const destination = parts.pop()!;
      for (const source of parts) {
        // The build stage's WORKDIR is /app: its /app/dist is this clone's dist after `npm run build`.
        const from = instruction.copyFrom === 'build' ? join(ROOT, source.replace(/^\/app\//, '')) : join(ROOT, source);
        const to = destination.endsWith('/') ? join(app, destination, source.split('/').at(-1)!) : join(app, destination);
        await cp(from, to, { recursive: true });
      }
    } else if (instruction.keyword === 'RUN') {
      // `npm cache clean --force` keeps the image small; here it would empty the user's npm cache.
      const command = instruction.args.replace(/\s*&&\s*npm cache clean --force/, '');
      expect(command).not.toMatch(/cache clean/);
      await execFileAsync('sh', ['-c', `${command} --prefer-offline`], { cwd: app, env: environment(), maxBuffer: 16 * 1024 * 1024 });
    }
  }
}, 300_000);

afterAll(async () => {
  await Promise.all(subgraphs.map((subgraph) => subgraph.stop()));
  await redis?.close();
  if (app) await rm(join(app, '..'), { recursive: true, force: true });
});

describe("the Dockerfile's runtime stage, performed in an empty directory", () => {
  it('installs production dependencies only', () => {
    expect(existsSync(join(app, 'node_modules/graphql'))).toBe(true);
    for (const devOnly of ['typescript', 'vitest', 'eslint', 'dataloader']) expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
    expect(existsSync(join(app, 'dist/subgraphs'))).toBe(false);
  });

  it('its ENTRYPOINT and CMD serve the demo graph; its HEALTHCHECK passes; SIGTERM drains and exits 0', async () => {
    for (const name of DEMO) subgraphs.push(startNode(SERVE_SUBGRAPH, [name, '--port', '0']));
    const lines = ['federation_version: 2', 'subgraphs:'];
    for (const [i, name] of DEMO.entries()) {
      const [, url] = await subgraphs[i]!.waitFor(new RegExp(`${name} listening on (http://\\S+)`));
      lines.push(`  ${name}:`, `    routing_url: ${url}`, '    schema:', `      file: ${join(ROOT, 'schema', `${name}.graphql`)}`);
    }
    // What the image expects mounted at /config: docker-compose.yml's gateway.yaml and a supergraph.yaml of
    // the subgraphs just started (compose's names them by service host name).
    await writeFile(join(configDir, 'supergraph.yaml'), `${lines.join('\n')}\n`);
    await cp(join(ROOT, 'deploy/compose/gateway.yaml'), join(configDir, 'gateway.yaml'));
    redis = await startRedis();

    const [node, script] = execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!);
    expect(node).toBe('node');
    const args = execForm(runtime.instructions.find((i) => i.keyword === 'CMD')!).map((arg) => arg.replace(/^\/config\//, `${configDir}/`));
    const port = await freePort();
    const env = environment({
      PORT: String(port),
      ADMIN_PORT: String(await freePort()),
      REDIS_URL: redis.url,
      ATRIUM_ADMIN_TOKEN: 'a-test-admin-token-of-some-length',
    });
    const gateway = startNode(join(app, script!), args, { cwd: app, env });
    try {
      await gateway.waitFor(/"msg":"gateway: ready"/, 45_000);
      const result = await postGraphQL(`http://127.0.0.1:${port}/graphql`, CROSS_SUBGRAPH_QUERY);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.topProducts).toHaveLength(2);
      // An APQ registration lands in Redis, as compose's gateway.yaml says.
      const query = '{ topProducts(first: 1) { name } }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const registered = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
      });
      expect(registered.status).toBe(200);
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys('*');
        expect(keys.some((key) => key.includes(sha256Hash)), keys.join(', ')).toBe(true);
      } finally {
        client.disconnect();
      }

      const [command, ...commandArgs] = runtime.healthcheck!;
      expect(command).toBe('node');
      await expect(execFileAsync(process.execPath, commandArgs, { env: environment({ PORT: String(port) }) })).resolves.toBeDefined();
      // And it fails when nothing answers on that port.
      const closed = await freePort();
      await expect(execFileAsync(process.execPath, commandArgs, { env: environment({ PORT: String(closed) }) })).rejects.toMatchObject({ code: 1 });
      await waitForStatus(`http://127.0.0.1:${port}/health`, 200);
    } finally {
      expect(await gateway.stop('SIGTERM'), gateway.output()).toBe(0);
    }
  }, 120_000);
});
