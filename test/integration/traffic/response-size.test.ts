import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustomGateway, startCustomGateway } from '../../helpers/custom-gateway.js';
import { type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { callRest } from '../../helpers/rest-client.js';

// traffic.all.maxResponseSize (issue 16, item 6) through the real gateway and real subgraphs: a subgraph whose
// answer is over its cap fails alone with SUBGRAPH_RESPONSE_TOO_LARGE, the other subgraphs' data arrives,
// the REST layer answers what its partial-data rules say, and the gateway keeps serving.

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const CATALOG = `${LINK}
type Query { items: [Item!]! }
type Item @key(fields: "id") { id: ID! name: String! }
`;
const BLOBS = `${LINK}
type Query { bigBlob: String smallBlob: String }
type Item @key(fields: "id") { id: ID! blob: String }
`;
const CAP = 64 * 1024;
/** Each item's blob: three of them make an entity answer of ~150 KB. */
const ITEM_BLOB_BYTES = 50 * 1024;

let graph: CustomGateway;
let endless: FaultSubgraph;
const logLines: string[] = [];

beforeAll(async () => {
  endless = await startFaultSubgraph('endless-body');
  graph = await startCustomGateway(
    [
      {
        name: 'catalog',
        sdl: CATALOG,
        resolvers: { Query: { items: () => ['1', '2', '3'].map((id) => ({ id, name: `item ${id}` })) } },
      },
      {
        name: 'blobs',
        sdl: BLOBS,
        resolvers: {
          Query: { bigBlob: () => 'b'.repeat(4 * CAP), smallBlob: () => 'small' },
          Item: { __resolveReference: (ref: { id: string }) => ref, blob: () => 'y'.repeat(ITEM_BLOB_BYTES) },
        },
      },
      // Served, for composition, by a real subgraph; its traffic goes to a server that never stops sending.
      { name: 'firehose', sdl: `${LINK}\ntype Query { firehose: String }\n`, resolvers: { Query: { firehose: () => 'unused' } } },
    ],
    {
      traffic: {
        all: { maxResponseSize: '1mb' },
        subgraphs: { blobs: { maxResponseSize: '64kb' }, firehose: { url: endless.url, timeout: '20s' } },
      },
      rest: {
        routes: [
          { path: '/items', operation: 'query Items { items { id name blob } }' },
          { path: '/blob', operation: 'query Blob { bigBlob }' },
        ],
      },
      log: { accessLog: { enabled: true } },
      metrics: { enabled: true },
    },
    { logLines },
  );
});

afterAll(async () => {
  await graph?.close();
  await endless?.close();
});

describe('traffic.all.maxResponseSize', () => {
  it('fails only the oversized root fetch; the other subgraph\'s data arrives', async () => {
    const result = await graph.post('{ items { id name } bigBlob smallBlob }');
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({
      items: [
        { id: '1', name: 'item 1' },
        { id: '2', name: 'item 2' },
        { id: '3', name: 'item 3' },
      ],
      bigBlob: null,
      smallBlob: null,
    });
    expect(result.body.errors).toEqual([
      {
        message: expect.stringMatching(/^subgraph "blobs" answered with a body larger than 65536 bytes/),
        path: ['bigBlob'],
        extensions: { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', serviceName: 'blobs' },
      },
    ]);
  });

  it('the same subgraph answers what fits under its cap', async () => {
    const result = await graph.post('{ smallBlob }');
    expect(result.body).toEqual({ data: { smallBlob: 'small' } });
  });

  it('fails an oversized entity fetch at the objects it should have filled, the entities\' own fields kept', async () => {
    const result = await graph.post('{ items { id name blob } }');
    expect(result.status).toBe(200);
    expect(result.body.data.items).toEqual([
      { id: '1', name: 'item 1', blob: null },
      { id: '2', name: 'item 2', blob: null },
      { id: '3', name: 'item 3', blob: null },
    ]);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0]).toMatchObject({ path: ['items'], extensions: { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', serviceName: 'blobs' } });
  });

  it('aborts a body that never ends (no content-length) at the cap instead of reading it', async () => {
    const result = await graph.post('{ firehose items { id } }');
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ firehose: null, items: [{ id: '1' }, { id: '2' }, { id: '3' }] });
    expect(result.body.errors).toEqual([
      {
        message: 'subgraph "firehose" answered with a body larger than 1048576 bytes; traffic.all.maxResponseSize or traffic.subgraphs.firehose.maxResponseSize',
        path: ['firehose'],
        extensions: { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', serviceName: 'firehose' },
      },
    ]);
    expect(endless.requests).toBe(1);
  });

  it('answers REST routes by the partial-data rules: the value with x-graphql-errors, or 502 problem+json', async () => {
    const partial = await callRest(graph.gateway.url, 'GET', '/items');
    expect(partial.status).toBe(200);
    expect(partial.body).toEqual([1, 2, 3].map((n) => ({ id: String(n), name: `item ${n}`, blob: null })));
    expect(JSON.parse(partial.headers.get('x-graphql-errors')!)).toEqual([
      { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', message: expect.stringContaining('subgraph "blobs"'), path: ['items'] },
    ]);

    const failed = await callRest(graph.gateway.url, 'GET', '/blob');
    expect(failed.status).toBe(502);
    expect(failed.headers.get('content-type')).toBe('application/problem+json');
    expect(failed.body).toMatchObject({ status: 502, code: 'SUBGRAPH_RESPONSE_TOO_LARGE' });
  });

  it('logs the abort, counts it in atrium_subgraph_errors_total, and keeps serving', async () => {
    const warnings = logLines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'subgraph client: response over its maxResponseSize (traffic.all or traffic.subgraphs.<name>), fetch aborted');
    expect(warnings.map((line) => line.subgraph)).toEqual(expect.arrayContaining(['blobs', 'firehose']));
    const metrics = await (await fetch(new URL('/metrics', graph.gateway.url))).text();
    expect(metrics).toMatch(/atrium_subgraph_errors_total\{subgraph="blobs",code="SUBGRAPH_RESPONSE_TOO_LARGE"\} [1-9]/);
    expect((await fetch(new URL('/health', graph.gateway.url))).status).toBe(200);
    expect((await graph.post('{ items { name } }')).body).toEqual({ data: { items: [{ name: 'item 1' }, { name: 'item 2' }, { name: 'item 3' }] } });
  });
});
