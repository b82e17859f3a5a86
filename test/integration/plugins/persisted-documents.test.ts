import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { createPersistedDocumentsPlugin, type PersistedDocumentsPlugin } from '../../../gateway/plugins/persisted-documents/index.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const TOP = '{ topProducts(first: 2) { name } }';
const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
const logger = createLogger({ level: 'silent' });

describe('automatic persisted queries', () => {
  let subgraphs: DemoSubgraphs;
  let redis: TestRedis;
  const gateways: DemoGateway[] = [];

  beforeAll(async () => {
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await subgraphs?.close();
    await redis?.close();
  });

  const start = async (config: Record<string, unknown> = {}) => {
    const gateway = await startDemoGateway({ subgraphs, config });
    gateways.push(gateway);
    return gateway;
  };

  it('follows Apollo\'s protocol: not found, register with the query, then served by hash (POST and GET)', async () => {
    const gateway = await start();
    const query = '{ topProducts(first: 1) { upc } }';
    const hash = sha256(query);
    const first = await gateway.send({ ...persisted(hash) } as never);
    expect(first.status).toBe(200);
    expect(first.body.errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    const registered = await gateway.send({ query, ...persisted(hash) } as never);
    expect(registered.body.data.topProducts).toHaveLength(1);
    const byHash = await gateway.send({ ...persisted(hash) } as never);
    expect(byHash.body).toEqual(registered.body);
    const get = await fetch(`${gateway.url}?extensions=${encodeURIComponent(JSON.stringify(persisted(hash).extensions))}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual(registered.body);
  });

  it('refuses a registration whose hash does not match the query', async () => {
    const gateway = await start();
    const result = await gateway.send({ query: TOP, ...persisted(sha256('something else')) } as never);
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toEqual({ message: 'provided sha does not match query', extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } });
    expect((await gateway.send({ ...persisted(sha256('something else')) } as never)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a registered document still runs through the limits', async () => {
    const gateway = await start({ limits: { maxAliases: 1 } });
    const query = '{ a: __typename b: __typename }';
    const result = await gateway.send({ query, ...persisted(sha256(query)) } as never);
    expect(result.body.errors[0].extensions.code).toBe('MAX_ALIASES_EXCEEDED');
    expect((await gateway.send({ ...persisted(sha256(query)) } as never)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('answers PERSISTED_QUERY_NOT_SUPPORTED when APQ is off and there is no manifest', async () => {
    const gateway = await start({ persistedDocuments: { apq: { enabled: false } } });
    const result = await gateway.send({ ...persisted(sha256(TOP)) } as never);
    expect(result.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });

  it('shares registrations between replicas through Redis, and treats Redis down as not found', async () => {
    const config = { persistedDocuments: { apq: { store: 'redis', redisUrl: redis.url } } };
    const [one, two] = [await start(config), await start(config)];
    const query = '{ topProducts(first: 3) { upc } }';
    const hash = sha256(query);
    await one.send({ query, ...persisted(hash) } as never);
    // Apollo Server writes the registration without waiting for it; poll the other replica.
    await expect.poll(async () => (await two.send({ ...persisted(hash) } as never)).body.data?.topProducts?.length, { timeout: 5_000 }).toBe(3);
    await redis.kill();
    const down = await two.send({ ...persisted(hash) } as never);
    expect(down.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const full = await two.send({ query, ...persisted(hash) } as never);
    expect(full.body.data.topProducts).toHaveLength(3);
    await redis.restart();
  });
});

describe('trusted documents (persistedDocuments.manifest, onlyTrusted)', () => {
  let dir: TempDir;
  let gateway: DemoGateway;
  let plugin: PersistedDocumentsPlugin;
  const TRUSTED = 'query Top { topProducts(first: 2) { name } }';

  /** Marks requests with `x-test-rest: yes` as trusted, as the REST layer does for its routes. */
  const restMarker: AtriumPlugin = {
    name: 'test-rest',
    onRequest({ context }) {
      if (context.http.headers['x-test-rest'] === 'yes') context.trusted = true;
    },
  };

  beforeAll(async () => {
    dir = await tempDir('atrium-manifest-');
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'top-v1', name: 'Top', type: 'query', body: TRUSTED }] };
    await writeFile(join(dir.path, 'manifest.json'), JSON.stringify(manifest));
    const config = parseConfig({ persistedDocuments: { manifest: 'manifest.json', onlyTrusted: true } }, 'test');
    plugin = await createPersistedDocumentsPlugin(config.persistedDocuments, { logger, configDir: dir.path });
    gateway = await startDemoGateway({ plugins: [restMarker, plugin], config: { persistedDocuments: { manifest: 'manifest.json', onlyTrusted: true } }, configDir: dir.path });
  });
  afterAll(async () => {
    await gateway?.close();
    await dir.remove();
  });

  it('serves a manifest document by its id, and its full text', async () => {
    const byId = await gateway.send({ ...persisted('top-v1') } as never);
    expect(byId.body.data.topProducts).toHaveLength(2);
    const byText = await gateway.post(TRUSTED);
    expect(byText.body).toEqual(byId.body);
  });

  it('refuses anything else with 400 PERSISTED_QUERY_NOT_IN_LIST, including APQ registrations', async () => {
    const before = gateway.subgraphs.products!.requests.length;
    const other = await gateway.post('{ topProducts(first: 5) { name } }');
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatchObject({
      message: 'only trusted documents are allowed on this gateway, and this operation is not in the manifest',
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
    });
    const query = '{ __typename }';
    const register = await gateway.send({ query, ...persisted(sha256(query)) } as never);
    expect(register.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect((await gateway.send({ ...persisted(sha256(query)) } as never)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(gateway.subgraphs.products!.requests.length).toBe(before);
  });

  it('lets requests marked trusted (REST routes) through, before and after an untrusted client sent the same text', async () => {
    const query = '{ topProducts(first: 4) { upc } }';
    expect((await gateway.post(query)).status).toBe(400);
    const rest = await gateway.post(query, {}, { 'x-test-rest': 'yes' });
    expect(rest.status).toBe(200);
    expect(rest.body.data.topProducts).toHaveLength(4);
    expect((await gateway.post(query)).status).toBe(400);
  });

  it('reloads the manifest: new documents are served, removed ones refused; a broken file keeps the old one', async () => {
    const next = 'query Cheap { topProducts(first: 1) { upc } }';
    await writeFile(join(dir.path, 'manifest.json'), JSON.stringify({ 'cheap-v1': next }));
    await plugin.reload();
    expect(plugin.manifestSize()).toBe(1);
    expect((await gateway.send({ ...persisted('cheap-v1') } as never)).body.data.topProducts).toHaveLength(1);
    expect((await gateway.post(TRUSTED)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    await writeFile(join(dir.path, 'manifest.json'), '{ not json');
    await expect(plugin.reload()).rejects.toThrow(/^persistedDocuments\.manifest: cannot read .*manifest\.json: /);
    expect((await gateway.send({ ...persisted('cheap-v1') } as never)).status).toBe(200);
  });

  it('refuses to start with a manifest that is missing or malformed, and onlyTrusted without a manifest', async () => {
    const config = parseConfig({ persistedDocuments: { manifest: 'nope.json' } }, 'test');
    await expect(createPersistedDocumentsPlugin(config.persistedDocuments, { logger, configDir: dir.path })).rejects.toThrow(
      /^persistedDocuments\.manifest: cannot read .*nope\.json: ENOENT$/,
    );
    await writeFile(join(dir.path, 'bad.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', operations: [{ id: 'x' }] }));
    const bad = parseConfig({ persistedDocuments: { manifest: 'bad.json' } }, 'test');
    await expect(createPersistedDocumentsPlugin(bad.persistedDocuments, { logger, configDir: dir.path })).rejects.toThrow(
      /bad\.json: operations\[0\]: expected \{ "id": string, "body": string \}$/,
    );
    expect(() => parseConfig({ persistedDocuments: { onlyTrusted: true } }, 'gateway.yaml')).toThrow(/onlyTrusted needs a manifest/);
  });
});
