import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { callRest } from '../../helpers/rest-client.js';

/**
 * Issue 16, item 1: fragments that each spread the next one twice pass depth, alias, root-field and token
 * limits but expand to 2^k - 1 selections. The expanded size is counted before validation, filtering and
 * planning, and refused over limits.maxSelections through every door a document comes in by.
 */
export function fragmentBomb(levels: number, name = 'Bomb'): string {
  const fragments = Array.from(
    { length: levels },
    (_, i) => `fragment F${i} on Product { name ${i + 1 < levels ? `...F${i + 1} ...F${i + 1}` : ''} }`,
  );
  return `query ${name} { topProducts(first: 1) { ...F0 } } ${fragments.join(' ')}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** 2^16 - 1 `name` selections plus `topProducts`: on the old code this answered 200 after planning all of them. */
const BOMB = fragmentBomb(16);
const BOMB_SELECTIONS = 2 ** 16;

const expectRefused = (error: any, actual = BOMB_SELECTIONS) =>
  expect(error).toMatchObject({
    message: `operation expands to ${actual} field selections; limits.maxSelections allows 300`,
    extensions: { code: 'MAX_SELECTIONS_EXCEEDED', limit: 'maxSelections', max: 300, actual },
  });

describe('limits.maxSelections: fragment expansion is measured before anything expands it', () => {
  let subgraphs: DemoSubgraphs;
  let gateway: DemoGateway;
  let dir: string;
  const requestsToSubgraphs = () => subgraphs.subgraphs.reduce((sum, s) => sum + s.requests.length, 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-bomb-'));
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'bomb-v1', name: 'Bomb', type: 'query', body: BOMB }] };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    gateway = await startDemoGateway({
      subgraphs,
      configDir: dir,
      config: {
        // Authorization filters (it inlines spreads) as in production, not only measures.
        authorization: { mode: 'filter' },
        limits: { maxBatchSize: 5 },
        persistedDocuments: { manifest: 'manifest.json' },
        rest: { routes: [{ path: '/bomb', operation: fragmentBomb(12) }] },
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await subgraphs?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POST: a 16-level bomb (under 1 KB, depth 2, no aliases) -> 400 MAX_SELECTIONS_EXCEEDED, no subgraph asked', async () => {
    expect(BOMB.length).toBeLessThan(1024);
    const before = requestsToSubgraphs();
    const result = await gateway.post(BOMB);
    expect(result.status).toBe(400);
    expect(result.body.errors).toHaveLength(1);
    expectRefused(result.body.errors[0]);
    expect(requestsToSubgraphs()).toBe(before);
  });

  it('a 60-level bomb (2^60 selections) is refused the same way and the gateway keeps serving', async () => {
    const result = await gateway.post(fragmentBomb(60));
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toMatchObject({ code: 'MAX_SELECTIONS_EXCEEDED', actual: Number.MAX_SAFE_INTEGER });
    const after = await gateway.post('{ topProducts(first: 1) { name } }');
    expect(after.body.data.topProducts).toHaveLength(1);
  });

  it('GET: refused the same way', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent(BOMB)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(400);
    expectRefused(((await response.json()) as any).errors[0]);
  });

  it('batch: the bomb is refused, the operation next to it runs', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ topProducts(first: 1) { upc } }' }, { query: BOMB }]),
    });
    const body = (await response.json()) as any[];
    expect(body[0].data.topProducts).toHaveLength(1);
    expectRefused(body[1].errors[0]);
  });

  it('APQ: registering the bomb is refused, and it is not remembered', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(BOMB) } };
    const registered = await gateway.send({ query: BOMB, extensions } as never);
    expect(registered.status).toBe(400);
    expectRefused(registered.body.errors[0]);
    const byHash = await gateway.send({ extensions } as never);
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('trusted documents: a manifest entry that is a bomb is refused by id', async () => {
    const result = await gateway.send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'bomb-v1' } } } as never);
    expect(result.status).toBe(400);
    expectRefused(result.body.errors[0]);
  });

  it('REST: a route whose stored operation is a bomb answers 400 problem+json with the code', async () => {
    const result = await callRest(gateway.url, 'GET', '/bomb');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'MAX_SELECTIONS_EXCEEDED' });
  });

  it('an operation of realistic size still runs', async () => {
    const result = await gateway.post(fragmentBomb(8));
    expect(result.status).toBe(200);
    expect(result.body.data.topProducts[0].name).toEqual(expect.any(String));
  });
});
