import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSubgraph, serveDemoSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { assertBuilt, postGraphQL, ROOT, startNode } from './processes.js';

// Issue 19, item 1: the package as a user gets it. `npm pack` the built clone, `npm install ./<tarball>` into
// an empty directory (dependencies from the registry, through npm's cache), then run what a user runs there:
// the installed `atrium serve`, and tsc over a consumer importing the package's types. One install serves
// both tests: it is the slow part (about a minute on a cold cache).

const execFileAsync = promisify(execFile);
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])';
const PRODUCTS_SDL = `${LINK}\n\ntype Query {\n  products: [Product!]!\n}\n\ntype Product @key(fields: "id") {\n  id: ID!\n  name: String!\n}\n`;
const PRICES_SDL = `${LINK}\n\ntype Product @key(fields: "id") {\n  id: ID!\n  price: Int!\n}\n`;

let dir: string;
let consumer: string;
const subgraphs: RunningSubgraph[] = [];

/** The environment of a user's shell: none of the `npm_*` variables of the `npm test` running this. */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('npm', args, { cwd, env: userEnvironment(), maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  assertBuilt();
  if (!existsSync(join(ROOT, 'dist/gateway.schema.json'))) throw new Error('run `npm run build` first: it writes dist/gateway.schema.json');
  dir = await mkdtemp(join(tmpdir(), 'atrium-package-'));
  // --ignore-scripts: `npm pack` would run `prepare` (a full build); the tests run after `npm run build`.
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  consumer = join(dir, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
  // Scripts are not switched off: a consumer's plain install must not need the build (TypeScript is a devDependency).
  await npm(['install', join(dir, filename), '--no-audit', '--no-fund', '--prefer-offline'], consumer);
}, 300_000);

afterAll(async () => {
  await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package, installed from its tarball into an empty directory', () => {
  it('holds the gateway, its declarations and the config JSON Schema, but no demo, tests or dev tools', async () => {
    const installed = join(consumer, 'node_modules/atrium-gateway');
    expect(existsSync(join(installed, 'dist/gateway/cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist/gateway/index.d.ts'))).toBe(true);
    const jsonSchema = JSON.parse(await readFile(join(installed, 'dist/gateway.schema.json'), 'utf8'));
    expect(jsonSchema.properties.server.properties.port).toBeDefined();
    expect(await readdir(join(installed, 'dist'))).toEqual(['browser', 'gateway', 'gateway.schema.json']);
    // The bundled browser pages (GraphiQL, Redoc): built by `npm run build`, shipped, never fetched from a CDN.
    expect((await readdir(join(installed, 'dist/browser'))).filter((name) => /\.(js|css)$/.test(name)).sort()).toEqual([
      'graphiql.css',
      'graphiql.js',
      'redoc.standalone.js',
    ]);
    expect(existsSync(join(installed, 'dist/gateway/docs'))).toBe(false);
    expect(existsSync(join(installed, 'test'))).toBe(false);
    expect(existsSync(join(installed, 'gateway'))).toBe(false);
    for (const devOnly of ['typescript', 'vitest', 'eslint', 'dataloader', '@apollo/subgraph', 'esbuild', 'react', 'graphiql', 'redoc']) {
      expect(existsSync(join(consumer, 'node_modules', devOnly)), devOnly).toBe(false);
    }
  });

  it('`npx atrium serve --supergraph-config supergraph.yaml` composes two real subgraphs and answers a query', async () => {
    const products = [
      { id: '1', name: 'Lamp' },
      { id: '2', name: 'Desk' },
    ];
    const productsSubgraph = buildSubgraphSchema({
      typeDefs: parse(PRODUCTS_SDL),
      resolvers: { Query: { products: () => products } } as any,
    });
    const pricesSubgraph = buildSubgraphSchema({
      typeDefs: parse(PRICES_SDL),
      resolvers: { Product: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, price: Number(ref.id) * 100 }) } } as any,
    });
    const noop = { createContext: () => ({}), reset() {} };
    subgraphs.push(await serveDemoSubgraph({ name: 'products', sdl: PRODUCTS_SDL, schema: productsSubgraph, ...noop }));
    subgraphs.push(await serveDemoSubgraph({ name: 'prices', sdl: PRICES_SDL, schema: pricesSubgraph, ...noop }));
    // One subgraph introspected at startup, one from a schema file: both of rover's schema sources.
    await writeFile(join(consumer, 'prices.graphql'), PRICES_SDL);
    await writeFile(
      join(consumer, 'supergraph.yaml'),
      [
        'federation_version: =2.9.0',
        'subgraphs:',
        '  products:',
        `    routing_url: ${subgraphs[0]!.url}`,
        '    schema:',
        `      subgraph_url: ${subgraphs[0]!.url}`,
        '  prices:',
        `    routing_url: ${subgraphs[1]!.url}`,
        '    schema:',
        '      file: ./prices.graphql',
        '',
      ].join('\n'),
    );

    const gateway = startNode(
      // The bin link npm made, which `npx atrium` runs.
      join(consumer, 'node_modules/.bin/atrium'),
      ['serve', '--supergraph-config', 'supergraph.yaml', '--port', '0', '--host', '127.0.0.1'],
      { cwd: consumer },
    );
    try {
      const [, url] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/, 45_000);
      const result = await postGraphQL(url!, '{ products { name price } }');
      expect(result.body).toEqual({ data: { products: [{ name: 'Lamp', price: 100 }, { name: 'Desk', price: 200 }] } });
      const health = await fetch(new URL('/health', url));
      expect(health.status).toBe(200);
      // The IDE (on by default outside NODE_ENV=production) is served from the installed package's files.
      const page = await fetch(url!, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const script = (await page.text()).match(/<script defer src="([^"]+)"/)?.[1];
      const bundle = await fetch(new URL(script!, url));
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    } finally {
      expect(await gateway.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);

  it('the `atrium` bin is linked in node_modules/.bin, as `npx atrium` runs it', async () => {
    const { stdout } = await execFileAsync(join(consumer, 'node_modules/.bin/atrium'), ['--help'], { cwd: consumer, env: userEnvironment() });
    expect(stdout).toMatch(/^Usage: atrium <command>/);
  });

  it('a consumer importing `AtriumPlugin` and `GatewayConfig` type-checks with tsc, and a wrong plugin does not', async () => {
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // The package's own .d.ts are read either way; skipping the check of every dependency's keeps this fast.
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: ['*.ts'],
      }),
    );
    const plugin = [
      "import type { AtriumPlugin, GatewayConfig } from 'atrium-gateway';",
      "export const plugin: AtriumPlugin = { name: 'audit', close: async () => {} };",
      'export function listensOn(config: GatewayConfig): number { return config.server.port; }',
      '',
    ].join('\n');
    await writeFile(join(consumer, 'plugin.ts'), plugin);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await execFileAsync(process.execPath, [tsc, '-p', consumer]);

    // The types are real, not `any`: a misspelt hook name is an error.
    await writeFile(join(consumer, 'wrong.ts'), "import type { AtriumPlugin } from 'atrium-gateway';\nexport const p: AtriumPlugin = { nme: 'x' };\n");
    const failed = await execFileAsync(process.execPath, [tsc, '-p', consumer]).then(
      () => undefined,
      (error: { stdout: string }) => error.stdout,
    );
    expect(failed).toMatch(/wrong\.ts.*'nme' does not exist in type 'AtriumPlugin'/);
  }, 120_000);
});
