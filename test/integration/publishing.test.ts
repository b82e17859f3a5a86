import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import type { RunningSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { startDemoSubgraphs } from '../../subgraphs/index.js';
import { createEditableSupergraph, type EditableSupergraph, nextReload } from '../helpers/editable-supergraph.js';
import { FAREWELLS_SDL, GREETINGS, startGreetingsSubgraph, WEATHER_SDL } from '../helpers/greetings-subgraph.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

// Schema publishing through the admin API of real in-process gateways over the real demo subgraphs plus a
// `greetings` subgraph, with the default directory store. The fleet (Redis, processes) is in
// test/e2e/publishing-fleet.test.ts.

const TOKEN = 'test-admin-token-0123456789';
type Demo = Awaited<ReturnType<typeof startDemoSubgraphs>>;
let demo: Demo;
let greetings: RunningSubgraph;
let files: EditableSupergraph;
let registryDir: TempDir;
const open: RunningGateway[] = [];

beforeAll(async () => {
  demo = await startDemoSubgraphs({ host: '127.0.0.1' });
  greetings = await startGreetingsSubgraph();
});
afterAll(async () => {
  await Promise.all([demo.close(), greetings.close()]);
});
beforeEach(async () => {
  files = await createEditableSupergraph(demo.urls);
  registryDir = await tempDir('atrium-registry-');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((gateway) => gateway.close()));
  await files.close();
  await registryDir.remove();
});

interface Gateway {
  readonly gateway: RunningGateway;
  readonly adminUrl: string;
  admin(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  query(query: string): Promise<{ status: number; body: any }>;
}

async function start(): Promise<Gateway> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const gateway = await startGateway({
    config: parseConfig(
      {
        server: { port: 0, host: '127.0.0.1' },
        reload: { watch: false },
        admin: { host: '127.0.0.1', port: 0, token: TOKEN },
        registry: { directory: registryDir.path, pollInterval: '100ms' },
      },
      'test',
    ),
    supergraph: { kind: 'config', path: files.configPath },
    logger,
  });
  open.push(gateway);
  const adminUrl = logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'admin: listening')?.url as string;
  return {
    gateway,
    adminUrl,
    async admin(method, path, body, token = TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${adminUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: await response.json(), headers: response.headers };
    },
    async query(query) {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { status: response.status, body: await response.json() };
    },
  };
}

const publish = (gw: Gateway, name: string, sdl: string, extra: Record<string, unknown> = {}) =>
  gw.admin('POST', `/subgraphs/${name}/versions`, { sdl, url: greetings.url, sourceName: `${name}.graphql`, ...extra });

describe('admin API authentication', { timeout: 60_000 }, () => {
  it('answers 401 without the admin token or with a wrong one, and stores nothing', async () => {
    const gw = await start();
    for (const token of [null, 'wrong-token-0123456789', '']) {
      const answer = await gw.admin('POST', '/subgraphs/greetings/versions', { sdl: GREETINGS.v1, url: greetings.url }, token);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('UNAUTHENTICATED');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await gw.admin('GET', '/subgraphs', undefined, null)).status).toBe(401);
    expect((await gw.admin('GET', '/subgraphs/greetings/versions')).body.versions).toEqual([]);
    // The admin token is no credential of the GraphQL endpoint, and the admin API is not served there.
    const onGateway = await fetch(gw.gateway.url.replace('/graphql', '/subgraphs'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(onGateway.status).toBe(404);
  });

  it('refuses bad requests with problem+json', async () => {
    const gw = await start();
    expect((await gw.admin('POST', '/subgraphs/greetings/versions', { url: greetings.url })).body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect((await gw.admin('POST', '/subgraphs/greetings/versions', { sdl: GREETINGS.v1, url: 'ftp://x' })).status).toBe(400);
    expect((await gw.admin('POST', '/subgraphs/greetings/rollback', { version: 'one' })).status).toBe(400);
    expect((await gw.admin('POST', '/subgraphs/greetings/rollback', { version: 7 })).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await gw.admin('DELETE', '/subgraphs')).status).toBe(405);
    expect((await gw.admin('GET', '/nothing')).status).toBe(404);
    // Issue 16, item 11: a malformed percent-encoding answered 500.
    expect((await gw.admin('GET', '/subgraphs/%zz/versions')).body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const utf16 = await fetch(`${gw.adminUrl}/subgraphs/greetings/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-16' },
      body: JSON.stringify({ sdl: GREETINGS.v1, url: greetings.url }),
    });
    expect(utf16.status).toBe(415);
    expect(await utf16.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('publishing through the admin API', { timeout: 90_000 }, () => {
  it('publishes a new subgraph and a compatible change, each served at once; lists and keeps the history', async () => {
    const gw = await start();
    expect((await gw.query('{ hello }')).status).toBe(400);

    const first = await publish(gw, 'greetings', GREETINGS.v1);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'published', version: { name: 'greetings', version: 1 }, served: { served: true } });
    expect((await gw.query('{ hello }')).body).toEqual({ data: { hello: 'hello' } });

    const second = await publish(gw, 'greetings', GREETINGS.v2);
    expect(second.status).toBe(201);
    expect(second.body.report.changes).toContainEqual({ severity: 'safe', category: 'field-added', message: 'Query.goodbye was added.' });
    expect((await gw.query('{ hello goodbye(name: "Ann") }')).body).toEqual({ data: { hello: 'hello', goodbye: 'goodbye Ann' } });

    const list = await gw.admin('GET', '/subgraphs');
    expect(list.body.revision).toBe(2);
    expect(list.body.subgraphs).toContainEqual(expect.objectContaining({ name: 'greetings', version: 2, source: 'registry', url: greetings.url }));
    expect(list.body.subgraphs).toContainEqual({ name: 'products', url: demo.urls.products, source: 'supergraph.yaml' });
    const history = await gw.admin('GET', '/subgraphs/greetings/versions');
    expect(history.body.versions.map((v: { version: number; sdl: string }) => [v.version, v.sdl])).toEqual([
      [1, GREETINGS.v1],
      [2, GREETINGS.v2],
    ]);
    // The directory store is one JSON file, written through a temporary file and a rename.
    expect((await readdir(registryDir.path)).filter((name) => !name.startsWith('.'))).toEqual(['registry.json']);
    expect(JSON.parse(await readFile(join(registryDir.path, 'registry.json'), 'utf8')).revision).toBe(2);
  });

  it('refuses a breaking change with its list, changing nothing; --allow-breaking accepts it', async () => {
    const gw = await start();
    await publish(gw, 'greetings', GREETINGS.v2);
    const refused = await publish(gw, 'greetings', GREETINGS.breaking);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('SCHEMA_CHECK_FAILED');
    const breaking = refused.body.report.changes.filter((c: { severity: string }) => c.severity === 'breaking');
    expect(breaking).toEqual([
      { severity: 'breaking', category: 'field-removed', message: 'Query.hello was removed.' },
      { severity: 'breaking', category: 'input-nullability-tightened', message: 'Query.goodbye arg name has changed type from String to String!.' },
    ]);
    expect((await gw.admin('GET', '/subgraphs/greetings/versions')).body.versions).toHaveLength(1);
    expect((await gw.query('{ hello }')).body).toEqual({ data: { hello: 'hello' } });

    const allowed = await publish(gw, 'greetings', GREETINGS.breaking, { allowBreaking: true });
    expect(allowed.status).toBe(201);
    expect((await gw.query('{ hello }')).status).toBe(400);
  });

  it('checks a large candidate in a thread of its own: client queries keep being answered meanwhile', async () => {
    const gw = await start();
    // ~6,000 types: seconds of composition and API-schema building, which on the server thread answered
    // no query until it was done.
    const types = Array.from({ length: 6000 }, (_, i) => `type T${i} {\n  id: ID!\n  name: String\n}`).join('\n');
    const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n\ntype Query {\n  big: T0\n}\n\n${types}\n`;
    let checked = false;
    const check = gw.admin('POST', '/subgraphs/big/check', { sdl, url: 'http://127.0.0.1:1/graphql' }).finally(() => (checked = true));
    let answeredDuringCheck = 0;
    while (!checked) {
      const answer = await gw.query('{ topProducts(first: 1) { upc } }');
      expect(answer.body.data.topProducts).toHaveLength(1);
      if (!checked) answeredDuringCheck++;
    }
    const report = await check;
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ ok: true, report: { ok: true, subgraph: 'big' } });
    // Off the thread: ~1,000 in our run; on it: 3 (the ones before composition began).
    expect(answeredDuringCheck).toBeGreaterThan(50);
  });

  it('refuses a schema that does not compose, naming the subgraph and line:column', async () => {
    const gw = await start();
    const refused = await publish(gw, 'greetings', GREETINGS.invalid);
    expect(refused.status).toBe(422);
    const [error] = refused.body.report.compositionErrors;
    expect(error.locations).toContainEqual({ subgraph: 'greetings', file: 'greetings.graphql', line: 5, column: 12 });
    expect((await gw.admin('GET', '/subgraphs')).body.revision).toBe(0);
  });

  it('rolls back to an earlier version as a new version, after the same checks', async () => {
    const gw = await start();
    await publish(gw, 'greetings', GREETINGS.v1);
    await publish(gw, 'greetings', GREETINGS.v2);
    // Rolling back to v1 removes Query.goodbye: breaking, so refused without allowBreaking.
    expect((await gw.admin('POST', '/subgraphs/greetings/rollback', { version: 1 })).status).toBe(422);
    const rolledBack = await gw.admin('POST', '/subgraphs/greetings/rollback', { version: 1, allowBreaking: true });
    expect(rolledBack.status).toBe(201);
    expect(rolledBack.body.version).toMatchObject({ version: 3, rollbackOf: 1 });
    expect((await gw.query('{ goodbye }')).status).toBe(400);
    expect((await gw.query('{ hello }')).body).toEqual({ data: { hello: 'hello' } });
  });

  it('serializes concurrent publishes: two that conflict cannot both go live, two that do not both do', async () => {
    const gw = await start();
    await publish(gw, 'greetings', GREETINGS.v1);
    // Each alone composes with what is live; together they declare Query.goodbye twice.
    const [a, b] = await Promise.all([publish(gw, 'greetings', GREETINGS.v2), publish(gw, 'farewells', FAREWELLS_SDL)]);
    expect([a.status, b.status].sort()).toEqual([201, 422]);
    const loser = a.status === 422 ? a : b;
    expect(JSON.stringify(loser.body.report.compositionErrors)).toContain('goodbye');

    // greetings is at v1 or v2 by now; v1 again never conflicts with farewells or weather.
    const [c, d] = await Promise.all([publish(gw, 'weather', WEATHER_SDL), publish(gw, 'greetings', GREETINGS.v1, { allowBreaking: true })]);
    expect([c.status, d.status]).toEqual([201, 201]);
    expect((await gw.admin('GET', '/subgraphs')).body.revision).toBe(4);
    expect((await gw.query('{ weather hello }')).body.data).toEqual({ weather: 'sunny', hello: 'hello' });
  });

  it('a replica without supergraph.yaml serves the registry alone: it waits for a first publish, then follows (issue 19, item 4)', async () => {
    const source = await start();
    const replicaStarting = startGateway({
      config: parseConfig({ server: { port: 0, host: '127.0.0.1' }, reload: { watch: false }, registry: { directory: registryDir.path, pollInterval: '100ms' } }, 'test'),
      supergraph: { kind: 'registry' },
      logger: createLogger({ level: 'silent' }),
    });
    replicaStarting.then((replica) => open.push(replica), () => undefined);
    // Nothing is published yet: the replica cannot have a supergraph, so it is still starting.
    const early = await Promise.race([replicaStarting.then(() => 'started'), new Promise((resolve) => setTimeout(resolve, 1000, 'waiting'))]);
    expect(early).toBe('waiting');

    await publish(source, 'greetings', GREETINGS.v2);
    const replica = await replicaStarting;
    const ask = async (query: string): Promise<any> =>
      (await fetch(replica.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json();
    expect(await ask('{ goodbye(name: "Bo") }')).toEqual({ data: { goodbye: 'goodbye Bo' } });
    // Only what is published: the demo subgraphs of the source's supergraph.yaml are not part of it.
    expect((await ask('{ topProducts(first: 1) { name } }')).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const followed = nextReload(replica.supergraph);
    await publish(source, 'weather', WEATHER_SDL);
    expect((await followed).kind).toBe('swapped');
    expect(await ask('{ weather }')).toEqual({ data: { weather: 'sunny' } });
  });

  it('a gateway restarted after a publish serves the published version, and a second gateway follows publishes', async () => {
    const first = await start();
    await publish(first, 'greetings', GREETINGS.v2);
    await first.gateway.close();
    open.splice(open.indexOf(first.gateway), 1);

    const restarted = await start();
    expect((await restarted.query('{ goodbye(name: "Bo") }')).body).toEqual({ data: { goodbye: 'goodbye Bo' } });
    expect((await restarted.admin('GET', '/subgraphs')).body.revision).toBe(1);

    // Another gateway on the same directory notices a publish by polling the revision, and swaps.
    const other = await start();
    const followed = nextReload(other.gateway.supergraph);
    await publish(restarted, 'weather', WEATHER_SDL);
    expect((await followed).kind).toBe('swapped');
    expect((await other.query('{ weather }')).body).toEqual({ data: { weather: 'sunny' } });
  });
});
