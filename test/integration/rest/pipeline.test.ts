import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtriumError } from '../../../gateway/errors.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { startDemoGateway, type DemoGateway, type GraphQLHttpResult } from '../../helpers/demo-gateway.js';
import { type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { callRest, type RestResult } from '../../helpers/rest-client.js';

// A REST call and its GraphQL twin (the same operation and variables on /graphql) must meet the same
// pipeline: every hook runs for both, and a rejection at any stage gives both the same status and headers.
// The plugins here stand in for authentication (onRequest), authorization (onOperation) and quotas (onPlan).

const PRODUCT = 'query Product($upc: String!) { product(upc: $upc) { upc name price } }';
const USER = 'query User($id: ID!) { user(id: $id) { id name } }';
const RATING = 'query Rating($upc: String!) { product(upc: $upc) { name averageRating } }';

/** Which hooks saw which request ids, per hook. */
const seen: Record<string, string[]> = { onRequest: [], onOperation: [], onPlan: [], onResponse: [], onHttpResponse: [] };
/** What the HTTP response hook (the access log's) saw, by request id. */
const logged = new Map<string, { path: string; status: number; errorCodes: readonly string[] }>();

const plugins: AtriumPlugin[] = [
  {
    name: 'test-auth',
    onRequest({ context, reject }) {
      seen.onRequest!.push(context.requestId);
      if (context.http.headers.authorization !== 'Bearer good') {
        reject(new AtriumError('UNAUTHENTICATED', 'a valid token is required', { headers: { 'WWW-Authenticate': 'Bearer realm="atrium"' } }));
      }
    },
  },
  {
    name: 'test-authz',
    onOperation({ context, reject }) {
      seen.onOperation!.push(context.requestId);
      if (context.http.headers['x-scope'] === 'none') reject(new AtriumError('FORBIDDEN', 'scope products:read is required'));
    },
  },
  {
    name: 'test-quota',
    onPlan({ context, reject }) {
      seen.onPlan!.push(context.requestId);
      if (context.http.headers['x-quota'] === 'empty') {
        reject(new AtriumError('RATE_LIMITED', 'quota spent', { headers: { 'retry-after': '7' } }));
      }
    },
    onResponse({ context }) {
      seen.onResponse!.push(context.requestId);
      context.responseHeaders.set('x-cost', '3');
    },
    onHttpResponse({ requestId, path, status, errorCodes }) {
      seen.onHttpResponse!.push(requestId);
      logged.set(requestId, { path, status, errorCodes });
    },
  },
];

let demo: DemoGateway;
let accounts: FaultSubgraph;
let reviews: FaultSubgraph;

beforeAll(async () => {
  accounts = await startFaultSubgraph('hang');
  reviews = await startFaultSubgraph('500-html');
  demo = await startDemoGateway({
    plugins,
    config: {
      traffic: {
        subgraphs: {
          accounts: { url: accounts.url, timeout: '300ms' },
          reviews: { url: reviews.url, timeout: '300ms' },
        },
      },
      rest: {
        routes: [
          { path: '/products/:upc', operation: PRODUCT },
          { path: '/users/:id', operation: USER },
          { path: '/ratings/:upc', operation: RATING },
        ],
      },
    },
  });
});
afterAll(async () => {
  await demo?.close();
  await accounts?.close();
  await reviews?.close();
});

const good = { authorization: 'Bearer good' };

async function bothDoors(headers: Record<string, string>): Promise<{ rest: RestResult; graphql: GraphQLHttpResult }> {
  const rest = await callRest(demo.url, 'GET', '/products/1001', { headers });
  const graphql = await demo.post(PRODUCT, { upc: '1001' }, headers);
  return { rest, graphql };
}

describe('one pipeline for REST and GraphQL', () => {
  it('runs every hook for a REST call, and the response hooks\' headers reach the client', async () => {
    const rest = await callRest(demo.url, 'GET', '/products/1001', { headers: good });
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({ upc: '1001', name: 'The Patient Gardener', price: 2499 });
    const id = rest.headers.get('x-request-id')!;
    for (const hook of Object.keys(seen)) expect(seen[hook], hook).toContain(id);
    expect(rest.headers.get('x-cost')).toBe('3');
  });

  it('401 with WWW-Authenticate through both doors (onRequest)', async () => {
    const { rest, graphql } = await bothDoors({});
    expect(graphql.status).toBe(401);
    expect(rest.status).toBe(graphql.status);
    expect(rest.headers.get('www-authenticate')).toBe('Bearer realm="atrium"');
    expect(rest.headers.get('www-authenticate')).toBe(graphql.headers.get('www-authenticate'));
    expect(rest.headers.get('content-type')).toBe('application/problem+json');
    expect(rest.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', detail: 'a valid token is required' });
  });

  it('403 through both doors (onOperation)', async () => {
    const { rest, graphql } = await bothDoors({ ...good, 'x-scope': 'none' });
    expect(graphql.status).toBe(403);
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'FORBIDDEN', detail: 'scope products:read is required' });
  });

  it('429 with Retry-After through both doors (onPlan), before any subgraph is called', async () => {
    const before = demo.subgraphs.products!.requests.length;
    const { rest, graphql } = await bothDoors({ ...good, 'x-quota': 'empty' });
    expect(graphql.status).toBe(429);
    expect(rest.status).toBe(429);
    expect(rest.headers.get('retry-after')).toBe('7');
    expect(rest.headers.get('retry-after')).toBe(graphql.headers.get('retry-after'));
    expect(rest.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(demo.subgraphs.products!.requests.length).toBe(before);
    // The access log sees the REST call with its path, status and GraphQL error code.
    expect(logged.get(rest.headers.get('x-request-id')!)).toEqual({ path: '/products/1001', status: 429, errorCodes: ['RATE_LIMITED'] });
  });

  it('checks credentials before parameters, as GraphQL checks them before variables', async () => {
    const rest = await callRest(demo.url, 'GET', '/products/1001?upc=x');
    expect(rest.status).toBe(401);
  });
});

describe('subgraph failures', () => {
  it('504 when the subgraph behind the selected value times out', async () => {
    accounts.setFault('hang');
    const rest = await callRest(demo.url, 'GET', '/users/1', { headers: good });
    expect(rest.status).toBe(504);
    expect(rest.body).toMatchObject({ code: 'SUBGRAPH_TIMEOUT', errors: [{ code: 'SUBGRAPH_TIMEOUT', serviceName: 'accounts' }] });
    expect(rest.text).not.toContain(String(accounts.port));
  });

  it('502 when the subgraph fails and no usable data is left', async () => {
    accounts.setFault('500-html');
    const rest = await callRest(demo.url, 'GET', '/users/1', { headers: good });
    expect(rest.status).toBe(502);
    expect(rest.body).toMatchObject({ code: 'SUBGRAPH_BAD_RESPONSE', status: 502 });
  });

  it('200 with the partial data and the errors in x-graphql-errors when a nullable part fails', async () => {
    const rest = await callRest(demo.url, 'GET', '/ratings/1001', { headers: good });
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({ name: 'The Patient Gardener', averageRating: null });
    const errors = JSON.parse(rest.headers.get('x-graphql-errors')!);
    // One error for the failed fetch, at the object it should have filled (issue 15: errors shaped like the spec).
    expect(errors).toEqual([{ code: 'SUBGRAPH_BAD_RESPONSE', message: expect.stringContaining('subgraph "reviews"'), path: ['product'] }]);
  });
});
