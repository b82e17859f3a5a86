import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { resetDemoData } from '../../../subgraphs/index.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { callRest, demoRestConfig } from '../../helpers/rest-client.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The demo gateway.yaml's routes over the real demo subgraphs, plus two routes this file adds for
// parameter types the demo routes do not use (an enum, a select path). Authorization enforces the demo
// schema's directives (Order needs orders:read); API keys stand in for the demo's identity provider.
let demo: DemoGateway;
const call = (method: string, path: string, options?: Parameters<typeof callRest>[3]) => callRest(demo.url, method, path, options);
/** An API key with the orders:read scope, and one without scopes. */
const READER = { 'x-api-key': 'orders-reader-key' };
const NO_SCOPES = { 'x-api-key': 'no-scopes-key' };

beforeAll(async () => {
  const rest = demoRestConfig();
  demo = await startDemoGateway({
    config: {
      server: { bodyLimit: '4kb' },
      auth: {
        apiKeys: {
          keys: {
            reader: { hash: hashApiKey(READER['x-api-key']), scopes: ['orders:read'] },
            plain: { hash: hashApiKey(NO_SCOPES['x-api-key']) },
          },
        },
      },
      authorization: { mode: 'filter' },
      rest: {
        ...rest,
        routes: [
          ...(rest.routes as object[]),
          { path: '/test/users', operation: 'query U($tier: MembershipTier, $first: Int) { users(tier: $tier, first: $first) { id tier } }' },
          { path: '/test/users/:id/orders', select: 'user.orders', operation: 'query O($id: ID!) { user(id: $id) { orders { id } } }' },
        ],
      },
    },
  });
});
afterAll(async () => {
  await demo?.close();
  resetDemoData();
});

describe('demo routes', () => {
  it('lists products with ?first=, coercing the parameter to Int', async () => {
    const two = await call('GET', '/api/v1/products?first=2');
    expect(two.status).toBe(200);
    expect(two.headers.get('content-type')).toMatch(/^application\/json/);
    expect(two.body).toHaveLength(2);
    expect(two.body[0]).toMatchObject({ upc: expect.any(String), name: expect.any(String), price: expect.any(Number) });
    // The variable's default applies when the parameter is absent.
    expect((await call('GET', '/api/v1/products')).body).toHaveLength(5);
  });

  it('gets one product by id, and answers 404 problem+json for an unknown one', async () => {
    const found = await call('GET', '/api/v1/products/1001');
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ upc: '1001', name: 'The Patient Gardener', price: 2499, category: 'BOOKS', inStock: expect.any(Boolean) });

    const missing = await call('GET', '/api/v1/products/9999');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.body).toMatchObject({
      type: 'urn:atrium:error:RESOURCE_NOT_FOUND',
      title: 'Not Found',
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      instance: '/api/v1/products/9999',
    });
  });

  it('reads across subgraphs: product, its reviews, their authors, its shipping estimate', async () => {
    const result = await call('GET', '/api/v1/products/1001/reviews?to=DE');
    expect(result.status).toBe(200);
    expect(result.body.name).toBe('The Patient Gardener');
    expect(result.body.shippingEstimate).toEqual(expect.any(Number));
    expect(result.body.reviews.length).toBeGreaterThan(0);
    expect(result.body.reviews[0].author).toMatchObject({ username: expect.any(String), name: expect.any(String) });
    for (const name of ['products', 'reviews', 'accounts', 'inventory']) {
      expect(demo.subgraphs[name]!.requests.length, name).toBeGreaterThan(0);
    }
  });

  // Issue 20, item 6c: the example used product 1001, whose only review is rated 3, so it answered `reviews: []`.
  it('answers the ?minRating= example of docs/rest.md with the reviews it keeps, not an empty list', async () => {
    const docs = readFileSync(fileURLToPath(new URL('../../../docs/rest.md', import.meta.url)), 'utf8');
    const example = /curl -s 'http:\/\/localhost:4000(\/api\/v1\/products\/\d+\/reviews\?minRating=(\d)[^']*)'/.exec(docs);
    expect(example, 'docs/rest.md has a ?minRating= example').not.toBeNull();
    const [, path, minRating] = example!;
    const all = await call('GET', path!.replace(/minRating=\d&?/, ''));
    const result = await call('GET', path!);
    expect(result.status).toBe(200);
    expect(result.body.reviews.length).toBeGreaterThan(0);
    // The filter shows: some review of the product is left out, every one kept is rated minRating or more.
    expect(result.body.reviews.length).toBeLessThan(all.body.reviews.length);
    for (const review of result.body.reviews) expect(review.rating).toBeGreaterThanOrEqual(Number(minRating));
  });

  it('creates an order from the JSON body and answers 201', async () => {
    const result = await call('POST', '/api/v1/orders', { headers: READER, body: { buyerId: '2', items: [{ upc: '1002', quantity: 2 }] } });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      status: 'PENDING',
      itemCount: 2,
      buyer: { id: '2', username: expect.any(String) },
      items: [{ quantity: 2, product: { upc: '1002', name: 'Federated Systems in Practice' } }],
    });
    // The same from a body that starts with a UTF-8 byte-order mark.
    const marked = await call('POST', '/api/v1/orders', { headers: READER, body: `\ufeff${JSON.stringify({ buyerId: '2', items: [{ upc: '1002', quantity: 1 }] })}` });
    expect(marked.status).toBe(201);
    expect(marked.body).toMatchObject({ status: 'PENDING', itemCount: 1 });
    const order = await demo.post('query($id: ID!) { order(id: $id) { id } }', { id: result.body.id }, READER);
    expect(order.body.data.order).toEqual({ id: result.body.id });
  });

  it('maps /v1 and /v2 to different shapes of the same user', async () => {
    const v1 = await call('GET', '/api/v1/users/1');
    const v2 = await call('GET', '/api/v2/users/1');
    expect(Object.keys(v1.body).sort()).toEqual(['id', 'name', 'tier', 'username']);
    expect(Object.keys(v2.body).sort()).toEqual(['address', 'displayName', 'handle', 'id', 'membership', 'reviews']);
    expect(v2.body.handle).toBe(v1.body.username);
    expect(v2.body.displayName).toBe(v1.body.name);
    expect(v2.body.membership).toBe(v1.body.tier);
    expect(v2.body.reviews.length).toBeGreaterThan(0);
  });

  it('needs the orders:read scope for an order: 403 without it, through both doors', async () => {
    const withScope = await call('GET', '/api/v1/orders/1', { headers: READER });
    expect(withScope.status).toBe(200);
    expect(withScope.body).toMatchObject({ id: '1', status: 'DELIVERED', items: expect.any(Array) });

    for (const headers of [{}, NO_SCOPES]) {
      const rest = await call('GET', '/api/v1/orders/1', { headers });
      expect(rest.status).toBe(403);
      expect(rest.body).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', errors: [{ path: ['order'] }] });
      // Its GraphQL twin is refused the same field (filter mode answers it as a null with the same error).
      const graphql = await demo.post('query Order($id: ID!) { order(id: $id) { id } }', { id: '1' }, headers);
      expect(graphql.body.errors[0]).toMatchObject({ path: ['order'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } });
    }
    expect((await call('POST', '/api/v1/orders', { body: { buyerId: '1', items: [{ upc: '1001' }] } })).status).toBe(403);
  });

  it('coerces enums and answers the value a select path names', async () => {
    const gold = await call('GET', '/api/test/users?tier=GOLD&first=10');
    expect(gold.status).toBe(200);
    expect(gold.body.length).toBeGreaterThan(0);
    expect(gold.body.every((user: { tier: string }) => user.tier === 'GOLD')).toBe(true);
    const orders = await call('GET', '/api/test/users/1/orders', { headers: READER });
    expect(orders.status).toBe(200);
    expect(orders.body[0]).toEqual({ id: expect.any(String) });
  });
});

describe('ETag', () => {
  it('sends an ETag on GET and answers a matching If-None-Match with 304 and no body', async () => {
    const first = await call('GET', '/api/v1/products/1002');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    // Cache-Control follows the pipeline's cache policy: the same as the GraphQL twin's.
    const twin = await demo.post('query Product($upc: String!) { product(upc: $upc) { upc name price category inStock } }', { upc: '1002' });
    expect(first.headers.get('cache-control')).toBe(twin.headers.get('cache-control') ?? 'no-cache');

    const again = await call('GET', '/api/v1/products/1002', { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);

    const other = await call('GET', '/api/v1/products/1003', { headers: { 'if-none-match': etag! } });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).not.toBe(etag);
  });

  it('sends no ETag on POST', async () => {
    const result = await call('POST', '/api/v1/orders', { headers: READER, body: { buyerId: '1', items: [{ upc: '1001' }] } });
    expect(result.status).toBe(201);
    expect(result.headers.get('etag')).toBeNull();
  });
});

describe('bad input', () => {
  it('answers an unknown route below the base path with 404 problem+json', async () => {
    const result = await call('GET', '/api/v1/nothing-here');
    expect(result.status).toBe(404);
    expect(result.headers.get('content-type')).toBe('application/problem+json');
    expect(result.body).toMatchObject({ status: 404, code: 'NOT_FOUND', detail: 'no REST route is served at GET /api/v1/nothing-here' });
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const result = await call('DELETE', '/api/v1/products/1001');
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toBe('GET, HEAD');
    expect(result.body).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    const post = await call('GET', '/api/v1/orders');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('POST');
  });

  it('answers a malformed JSON body with 400 problem+json', async () => {
    const result = await call('POST', '/api/v1/orders', { body: '{"buyerId": "1", items: [' });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('BAD_REQUEST');
    expect(result.body.detail).toMatch(/^malformed JSON body: /);
  });

  it('answers a body that is not JSON with 400', async () => {
    const result = await call('POST', '/api/v1/orders', { body: 'buyerId=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(result.status).toBe(400);
    expect(result.body.detail).toBe('content-type must be application/json');
  });

  it('answers a body in another charset than UTF-8 with 415, and a path or query parameter that is not valid percent-encoding with 400 naming it', async () => {
    const charset = await call('POST', '/api/v1/orders', { body: '{"buyerId":"1","items":[]}', headers: { 'content-type': 'application/json; charset=utf-16' } });
    expect(charset.status).toBe(415);
    expect(charset.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'charset "utf-16" is not supported; send the JSON body in UTF-8' });
    for (const bad of ['%ff', '%', '%E2%82']) {
      const result = await call('GET', `/api/v1/products/${bad}`);
      expect(result.status).toBe(400);
      expect(result.headers.get('content-type')).toContain('application/problem+json');
      expect(result.body).toMatchObject({ code: 'BAD_REQUEST', parameter: 'upc', in: 'path', detail: 'path parameter "upc" is not valid percent-encoded UTF-8' });
    }
    for (const query of ['first=%ff', 'first=2&x=%', 'a%ZZ=1']) {
      const result = await call('GET', `/api/v1/products?${query}`);
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ code: 'BAD_REQUEST', in: 'query', detail: expect.stringMatching(/^query parameter ".+" is not valid percent-encoded UTF-8$/) });
    }
    expect((await call('GET', '/api/v1/products?first=%31')).body).toHaveLength(1);
    // A literal route beside the parameter one is unaffected, and a valid encoding still reaches its route.
    expect((await call('GET', '/api/v1/products/%31%30%30%31')).status).toBe(200);
  });

  it('answers an uncoercible parameter with 400 naming it and where it was', async () => {
    const result = await call('GET', '/api/v1/products?first=lots');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'BAD_USER_INPUT', parameter: 'first', in: 'query' });
    expect(result.body.detail).toContain('parameter "first" (query)');
    expect(result.body.detail).toContain('Int cannot represent non-integer value: "lots"');

    const tier = await call('GET', '/api/test/users?tier=BRONZE');
    expect(tier.status).toBe(400);
    expect(tier.body).toMatchObject({ parameter: 'tier', in: 'query' });
  });

  it('answers a missing body with 400 naming the body parameter', async () => {
    const result = await call('POST', '/api/v1/orders');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'BAD_USER_INPUT', parameter: 'input', in: 'body' });
  });

  it('answers an input the subgraph refuses with 400 and its message', async () => {
    const result = await call('POST', '/api/v1/orders', { headers: READER, body: { buyerId: '1', items: [{ upc: '4242' }] } });
    expect(result.status).toBe(400);
    expect(result.body.detail).toBe('product 4242 cannot be ordered');
    expect(result.body.errors[0]).toMatchObject({ code: 'BAD_USER_INPUT', serviceName: 'orders' });
  });

  it('answers a body over server.bodyLimit with 413 problem+json and keeps serving', async () => {
    const items = Array.from({ length: 400 }, () => ({ upc: '1001', quantity: 1 }));
    const result = await call('POST', '/api/v1/orders', { headers: READER, body: { buyerId: '1', items } });
    expect(result.status).toBe(413);
    expect(result.headers.get('content-type')).toBe('application/problem+json');
    expect(result.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect((await call('GET', '/api/v1/products/1001')).status).toBe(200);
  });
});

describe('trusted documents only (persistedDocuments.onlyTrusted)', () => {
  it('runs REST routes, whose operations are the gateway\'s own, while refusing the same text sent as GraphQL', async () => {
    const dir = await tempDir('atrium-rest-trusted-');
    await writeFile(join(dir.path, 'manifest.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [] }));
    const strict = await startDemoGateway({
      configDir: dir.path,
      config: {
        persistedDocuments: { manifest: 'manifest.json', onlyTrusted: true },
        rest: { routes: [{ path: '/p/:upc', operation: 'query P($upc: String!) { product(upc: $upc) { name } }' }] },
      },
    });
    try {
      expect((await callRest(strict.url, 'GET', '/p/1001')).body).toEqual({ name: 'The Patient Gardener' });
      const graphql = await strict.post('query P($upc: String!) { product(upc: $upc) { name } }', { upc: '1001' });
      expect(graphql.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    } finally {
      await strict.close();
      await dir.remove();
    }
  });
});
