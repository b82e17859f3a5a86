import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoGateway, startDemoGateway } from '../helpers/demo-gateway.js';

// GraphQL over HTTP as a client sees it, against the real gateway over the real demo subgraphs:
// https://graphql.github.io/graphql-over-http/draft/

const TOP_PRODUCT = '{ topProducts(first: 1) { upc name } }';
const TOP_PRODUCT_DATA = { topProducts: [{ upc: '1007', name: 'Noise-Cancelling Headphones' }] };

let gateway: DemoGateway;

beforeAll(async () => {
  gateway = await startDemoGateway();
});

afterAll(async () => {
  await gateway?.close();
});

/** GETs the GraphQL endpoint with the given parameters, JSON-encoding `variables` as the spec asks. */
async function get(
  params: { query?: string; variables?: Record<string, unknown>; operationName?: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const search = new URLSearchParams();
  if (params.query !== undefined) search.set('query', params.query);
  if (params.variables !== undefined) search.set('variables', JSON.stringify(params.variables));
  if (params.operationName !== undefined) search.set('operationName', params.operationName);
  const response = await fetch(`${gateway.url}?${search}`, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** A path next to the GraphQL endpoint, e.g. `/health`. */
function sibling(path: string): string {
  return new URL(path, gateway.url).href;
}

describe('POST', () => {
  it('answers a JSON query with 200 and data', async () => {
    const result = await gateway.post(TOP_PRODUCT);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('runs the operation operationName selects out of two', async () => {
    const query = 'query Typename { __typename } query Top { topProducts(first: 1) { upc name } }';
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName: 'Top' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('passes variables to the operation', async () => {
    const result = await gateway.post('query ($upc: String!) { product(upc: $upc) { name } }', { upc: '1002' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { product: { name: 'Federated Systems in Practice' } } });
  });
});

describe('GET', () => {
  it('answers a URL-encoded query with 200 when a preflight header is present', async () => {
    const result = await get({ query: TOP_PRODUCT }, { 'apollo-require-preflight': 'true' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('answers a GET with content-type: application/json (not a simple request) with 200', async () => {
    const result = await get({ query: TOP_PRODUCT }, { 'content-type': 'application/json' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('refuses a plain GET a browser could send cross-site (CSRF prevention) with 400', async () => {
    const result = await get({ query: TOP_PRODUCT });
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(result.body.errors[0].message).toMatch(/Cross-Site Request Forgery.*apollo-require-preflight/s);
  });

  it('takes JSON-encoded variables from the query string', async () => {
    const result = await get(
      { query: 'query ($first: Int) { topProducts(first: $first) { upc name } }', variables: { first: 1 } },
      { 'apollo-require-preflight': 'true' },
    );
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('refuses a mutation with 405 METHOD_NOT_ALLOWED and allow: POST', async () => {
    const result = await get({ query: 'mutation { cancelOrder(id: "1") { id status } }' }, { 'apollo-require-preflight': 'true' });
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toBe('POST');
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    expect(result.body.errors[0].message).toBe('GET requests only support query operations, not mutation operations');
    // The mutation did not run: the order is still open.
    const order = await gateway.post('{ order(id: "1") { status } }');
    expect(order.body.data.order.status).not.toBe('CANCELLED');
  });
});

describe('content negotiation', () => {
  it('answers application/graphql-response+json to a client that accepts it', async () => {
    const result = await gateway.post(TOP_PRODUCT, undefined, { accept: 'application/graphql-response+json' });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(result.body).toEqual({ data: TOP_PRODUCT_DATA });
  });

  it('answers application/json to a client that accepts only that', async () => {
    const result = await gateway.post(TOP_PRODUCT, undefined, { accept: 'application/json' });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';

  it('is on by default', async () => {
    const result = await gateway.post(INTROSPECT);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('validation errors suggest field names while introspection is open', async () => {
    const typo = await gateway.post('{ topProduct(first: 1) { upc } }');
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].message).toMatch(/^Cannot query field "topProduct" on type "Query"\. Did you mean "topProducts"/);
  });

  it('is refused with 400 GRAPHQL_VALIDATION_FAILED when graphql.introspection is false', async () => {
    const closed = await startDemoGateway({ config: { graphql: { introspection: false } } });
    try {
      const result = await closed.post(INTROSPECT);
      expect(result.status).toBe(400);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors).toHaveLength(1);
      expect(result.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.body.errors[0].message).toBe(
        'introspection is disabled on this gateway (graphql.introspection: false); the query asks for __schema',
      );
      expect(result.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
      // Validation errors do not spell out the schema either: no "Did you mean …?" suggestions.
      const typo = await closed.post('{ topProduct(first: 1) { upc nme } }');
      expect(typo.status).toBe(400);
      expect(typo.body.errors.map((error: { message: string }) => error.message)).toEqual([
        'Cannot query field "topProduct" on type "Query".',
      ]);
      // Only introspection is closed; ordinary queries still run.
      const ordinary = await closed.post(TOP_PRODUCT);
      expect(ordinary.status).toBe(200);
      expect(ordinary.body).toEqual({ data: TOP_PRODUCT_DATA });
    } finally {
      await closed.close();
    }
  });
});

describe('request ids', () => {
  it('echoes the x-request-id the client sent', async () => {
    const result = await gateway.post(TOP_PRODUCT, undefined, { 'x-request-id': 'client-trace-42' });
    expect(result.headers.get('x-request-id')).toBe('client-trace-42');
  });

  it('makes one up when the client sent none', async () => {
    const result = await gateway.post(TOP_PRODUCT);
    expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('other paths', () => {
  it('answers /health with 200 and JSON once started', async () => {
    const response = await fetch(sibling('/health'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ status: 'pass' });
  });

  it('answers /ready with 200 and JSON naming the subgraphs with their up/down status, nothing more', async () => {
    const response = await fetch(sibling('/ready'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as { status: string; subgraphs: Record<string, { status: string }> };
    // The client port leaks no internals: no schema errors (file paths), reload counters or instance URLs.
    expect(Object.keys(body)).toEqual(['status', 'subgraphs']);
    expect(body.status).toBe('pass');
    expect(Object.keys(body.subgraphs).toSorted()).toEqual(['accounts', 'inventory', 'orders', 'products', 'reviews']);
    // Earlier tests in this file queried products: its last fetch answered.
    expect(body.subgraphs.products).toEqual({ status: 'up' });
  });

  it('answers an unknown path with 404 NOT_FOUND', async () => {
    const response = await fetch(sibling('/graphql-nope'));
    expect(response.status).toBe(404);
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(body.errors[0].message).toBe('no route is served at this path');
  });
});
