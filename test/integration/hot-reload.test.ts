import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import type { AtriumPlugin } from '../../gateway/plugins/plugin.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { createEditableSupergraph, type EditableSupergraph, nextReload } from '../helpers/editable-supergraph.js';

// Hot reload with the real gateway over the real demo subgraphs: schema files are edited on disk (atomic
// rename, as deploy tools do) and the gateway must follow without a restart and without failing a request.

const ADMIN_TOKEN = 'hot-reload-admin-token-0123';

type Demo = Awaited<ReturnType<typeof startDemoSubgraphs>>;
let demo: Demo;
let files: EditableSupergraph;
let products: string;
let gateway: RunningGateway | undefined;

beforeAll(async () => {
  demo = await startDemoSubgraphs({ host: '127.0.0.1' });
});
afterAll(async () => {
  await demo.close();
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await files.close();
});

async function start(options: { plugins?: AtriumPlugin[]; reload?: Record<string, unknown>; admin?: boolean } = {}): Promise<RunningGateway> {
  files = await createEditableSupergraph(demo.urls);
  products = await files.originalSchema('products');
  const admin = options.admin && {
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
    registry: { directory: join(files.configPath, '..', 'registry') },
  };
  gateway = await startGateway({
    config: parseConfig({ server: { port: 0, host: '127.0.0.1' }, reload: { debounce: '50ms', ...options.reload }, ...admin }, 'test'),
    supergraph: { kind: 'config', path: files.configPath },
    logger: createLogger({ level: 'silent' }),
    ...(options.plugins && { plugins: options.plugins }),
  });
  return gateway;
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, body: await response.json() };
}

/** `sdl` with `replaced` swapped for `by`; throws when `replaced` is not there (the demo schema changed). */
function edit(sdl: string, replaced: RegExp, by: string): string {
  if (!replaced.test(sdl)) throw new Error(`the products schema no longer matches ${replaced}: update this test`);
  return sdl.replace(replaced, by);
}
const WITHOUT_BUNDLES = (sdl: string) => edit(sdl, /^ {2}bundles: .*\n/m, '');
const DESCRIBED = (sdl: string, description: string) => edit(sdl, /^ {2}topProducts\(/m, `  "${description}"\n  topProducts(`);
const BUNDLES = '{ bundles { name } }';

describe('hot reload of supergraph.yaml sources', () => {
  it('serves the new supergraph after a schema file changes, without a restart', async () => {
    const gw = await start();
    expect((await post(gw.url, BUNDLES)).body.data.bundles.length).toBeGreaterThan(0);
    const before = gw.supergraph.status().version;

    const reloaded = nextReload(gw.supergraph);
    await files.writeSchema('products', WITHOUT_BUNDLES(products));
    expect(await reloaded).toMatchObject({ kind: 'swapped' });

    const refused = await post(gw.url, BUNDLES);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await post(gw.url, '{ topProducts(first: 1) { name } }')).body).toEqual({ data: { topProducts: [{ name: expect.any(String) }] } });
    expect(gw.supergraph.status()).toMatchObject({ reloads: { succeeded: 1, failed: 0 } });
    expect(gw.supergraph.status().version).not.toBe(before);
  });

  it('keeps serving the old supergraph when the change does not compose, and reports it on the admin /ready', async () => {
    const gw = await start({ admin: true });
    const failed = nextReload(gw.supergraph);
    // Product.price becomes a String in products while ProductItem (and inventory's @requires) say Int.
    await files.writeSchema('products', edit(products, /(shippingEstimate\."\n {2}price: )Int!/, '$1String!'));
    const outcome = await failed;
    expect(outcome.kind).toBe('failed');

    // The client port says pass/fail and up/down, never the problems (they name files on the server).
    const client = await fetch(gw.url.replace('/graphql', '/ready'));
    expect(client.status).toBe(200);
    const summary = (await client.json()) as any;
    expect(Object.keys(summary)).toEqual(['status', 'subgraphs']);
    expect(summary.status).toBe('pass');
    expect(JSON.stringify(summary)).not.toMatch(/graphql:\d|reloads|lastError/);

    const adminReady = () => fetch(`${gw.adminUrl}/ready`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect((await fetch(`${gw.adminUrl}/ready`)).status).toBe(401);
    const ready = await adminReady();
    expect(ready.status).toBe(200);
    const details = (await ready.json()) as any;
    expect(details.status).toBe('pass');
    expect(details.schema.reloads).toEqual({ succeeded: 0, failed: 1 });
    const problems: string[] = details.schema.lastError.problems;
    expect(problems.length).toBeGreaterThan(0);
    // Each problem names the subgraph, its file and line:column.
    expect(problems.some((problem) => /products \(.*products\.graphql:\d+:\d+\)/.test(problem))).toBe(true);
    // The old supergraph still answers everything, bundles included.
    expect((await post(gw.url, BUNDLES)).body.data.bundles.length).toBeGreaterThan(0);

    // Fixing the file recovers and clears the error.
    const fixed = nextReload(gw.supergraph);
    await files.writeSchema('products', WITHOUT_BUNDLES(products));
    expect((await fixed).kind).toBe('swapped');
    const after = (await (await adminReady()).json()) as any;
    expect(after.schema.reloads).toEqual({ succeeded: 1, failed: 1 });
    expect(after.schema.lastError).toBeUndefined();
  });

  it('plans the busiest operations on the new supergraph before switching to it', async () => {
    const gw = await start({ reload: { warmPlans: 2 } });
    const hot = '{ topProducts(first: 2) { name price } }';
    const warm = '{ me { username } }';
    const cold = '{ users(first: 1) { name } }';
    for (let i = 0; i < 3; i++) await post(gw.url, hot);
    for (let i = 0; i < 2; i++) await post(gw.url, warm);
    await post(gw.url, cold);

    const reloaded = nextReload(gw.supergraph);
    await files.writeSchema('products', DESCRIBED(products, 'The best sellers.'));
    expect(await reloaded).toMatchObject({ kind: 'swapped', warmedPlans: 2 });
    const cache = gw.supergraph.engine!.planCache;
    expect(cache.size).toBe(2);

    await post(gw.url, hot);
    await post(gw.url, warm);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 0 });
    await post(gw.url, cold);
    expect(cache.misses).toBe(1);
  });

  it('lets a request in flight finish on the supergraph it started on', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holdPlugin: AtriumPlugin = {
      name: 'hold',
      async onSubgraphFetch({ context }) {
        if (context.http.headers['x-hold'] !== undefined) {
          held();
          await gate;
        }
      },
    };
    const gw = await start({ plugins: [holdPlugin] });
    const inFlight = post(gw.url, BUNDLES, { 'x-hold': '1' });
    await holding;

    const reloaded = nextReload(gw.supergraph);
    await files.writeSchema('products', WITHOUT_BUNDLES(products));
    expect((await reloaded).kind).toBe('swapped');
    expect((await post(gw.url, BUNDLES)).status).toBe(400);

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.bundles.length).toBeGreaterThan(0);
  });

  it('fails no request of a bounded load across two reloads (loopback, fixed request count)', async () => {
    const gw = await start();
    const query = '{ topProducts(first: 3) { name price inStock reviews { rating } } }';
    const total = 600;
    const concurrency = 8;
    const reloadsAt = new Set([150, 350]);
    let sent = 0;
    let generation = 0;
    const failures: unknown[] = [];
    const reloads: Promise<unknown>[] = [];
    const worker = async () => {
      while (sent < total) {
        const n = sent++;
        if (reloadsAt.has(n)) {
          reloads.push(nextReload(gw.supergraph));
          await files.writeSchema('products', DESCRIBED(products, `generation ${++generation}`));
        }
        const { status, body } = await post(gw.url, query);
        if (status !== 200 || body.errors !== undefined || body.data?.topProducts?.length !== 3) failures.push({ n, status, body });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const outcomes = await Promise.all(reloads);
    expect(failures).toEqual([]);
    expect(outcomes.map((outcome) => (outcome as { kind: string }).kind)).toEqual(['swapped', 'swapped']);
    expect(gw.supergraph.status().reloads).toEqual({ succeeded: 2, failed: 0 });
  }, 90_000);
});
