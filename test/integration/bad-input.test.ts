import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DemoGateway, startDemoGateway } from '../helpers/demo-gateway.js';
import { closedPortUrl, FAULT_GRAPHQL_ERROR, type Fault, type FaultSubgraph, startFaultSubgraph } from '../helpers/fault-subgraph.js';

// Bad input of every kind gets a clear error with a code and the right HTTP status, and the
// process keeps serving. One gateway serves the whole file; `accounts` is routed to a fault server whose
// misbehaviour each subgraph test chooses, the other four subgraphs are the real demo ones.

const GOOD_QUERY = '{ topProducts(first: 1) { name } }';
/** One field from the faulty `accounts` (nullable root field) and one from the healthy `products`. */
const SPLIT_QUERY = '{ me { name } topProducts(first: 1) { name } }';
const HEALTHY_PART = { topProducts: [{ name: 'Noise-Cancelling Headphones' }] };

let fault: FaultSubgraph;
let gateway: DemoGateway;

beforeAll(async () => {
  fault = await startFaultSubgraph('500-html');
  gateway = await startDemoGateway({
    config: { traffic: { subgraphs: { accounts: { url: fault.url, timeout: '300ms' } } } },
  });
});

afterAll(async () => {
  await gateway?.close();
  await fault?.close();
});

afterEach(async () => {
  await expectStillServing(gateway);
});

interface HttpResult {
  status: number;
  body: any;
}

/** POSTs a body exactly as given (default content type application/json). */
async function postRaw(body: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: await response.json() };
}

/** Asserts one error with this status and code, no data and no stack trace; returns the message. */
function expectOneError(result: HttpResult, status: number, code: string): string {
  expect(result.status).toBe(status);
  expect(result.body.data).toBeUndefined();
  expect(result.body.errors).toHaveLength(1);
  const [error] = result.body.errors;
  expect(error.extensions.code).toBe(code);
  expect(error.extensions.stacktrace).toBeUndefined();
  expect(typeof error.message).toBe('string');
  return error.message;
}

async function expectStillServing(target: DemoGateway): Promise<void> {
  const result = await target.post(GOOD_QUERY);
  expect(result.status).toBe(200);
  expect(result.body).toEqual({ data: HEALTHY_PART });
}

describe('malformed HTTP requests', () => {
  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const message = expectOneError(await postRaw('{"query": "{ topProducts { name } }"'), 400, 'BAD_REQUEST');
    expect(message).toMatch(/^malformed JSON body: /);
  });

  it('answers an empty body with 400 BAD_REQUEST', async () => {
    const message = expectOneError(await postRaw(''), 400, 'BAD_REQUEST');
    expect(message).toBe('malformed JSON body: the body is empty');
  });

  it.each([
    ['an array', '[{"query":"{ __typename }"}]'],
    ['a string', '"{ __typename }"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('answers a JSON body that is %s with 400 BAD_REQUEST', async (_, body) => {
    const message = expectOneError(await postRaw(body), 400, 'BAD_REQUEST');
    expect(message).toBe('the JSON body must be an object');
  });

  it('answers a text/plain body with 400 BAD_REQUEST', async () => {
    const body = JSON.stringify({ query: GOOD_QUERY });
    const message = expectOneError(await postRaw(body, { 'content-type': 'text/plain' }), 400, 'BAD_REQUEST');
    expect(message).toBe('content-type must be application/json');
  });

  it('answers a JSON body in another charset than UTF-8 with 415, and takes utf-8 and UTF8 spelled any way, with or without a byte-order mark', async () => {
    const body = JSON.stringify({ query: GOOD_QUERY });
    for (const charset of ['utf-16', 'iso-8859-1', '"latin1"']) {
      const message = expectOneError(await postRaw(body, { 'content-type': `application/json; charset=${charset}` }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(message).toBe(`charset ${JSON.stringify(charset.replaceAll('"', ''))} is not supported; send the JSON body in UTF-8`);
    }
    for (const charset of ['utf-8', 'UTF-8', 'utf8', '"UTF-8"']) {
      expect((await postRaw(body, { 'content-type': `application/json;charset=${charset}` })).status).toBe(200);
    }
    // A UTF-8 byte-order mark first (Windows PowerShell's UTF-8 files) is skipped, as RFC 8259 allows.
    const withMark = await postRaw(`\ufeff${body}`);
    expect(withMark.status).toBe(200);
    expect(withMark.body.errors).toBeUndefined();
  });

  it('answers an empty JSON object with 400 BAD_REQUEST', async () => {
    const message = expectOneError(await postRaw('{}'), 400, 'BAD_REQUEST');
    expect(message).toBe('POST body missing, invalid Content-Type, or JSON object has no keys.');
  });

  it('answers a body without query with 400 BAD_REQUEST', async () => {
    const message = expectOneError(await postRaw('{"variables":{}}'), 400, 'BAD_REQUEST');
    expect(message).toBe('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
  });

  it('answers a query that is not a string with 400 BAD_REQUEST', async () => {
    const message = expectOneError(await postRaw('{"query":{"topProducts":true}}'), 400, 'BAD_REQUEST');
    expect(message).toBe('GraphQL queries must be strings.');
  });

  it('answers a body over the default 1mb limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const query = `{ ${'a: __typename '.repeat(75_000)}}`;
    expect(query.length).toBeGreaterThan(1024 * 1024);
    const body = JSON.stringify({ query });
    const result = await postRaw(body);
    const message = expectOneError(result, 413, 'PAYLOAD_TOO_LARGE');
    expect(message).toBe('the request body exceeds the limit of 1048576 bytes');
    // fetch declares the length, so the gateway says by how much without reading the body.
    expect(result.body.errors[0].extensions).toMatchObject({ limit: 'server.bodyLimit', max: 1048576, actual: Buffer.byteLength(body) });
  });
});

describe('invalid GraphQL', () => {
  it('answers a syntax error with 400 GRAPHQL_PARSE_FAILED and its location', async () => {
    const result = await gateway.post('{ topProducts { name }');
    const message = expectOneError(result, 400, 'GRAPHQL_PARSE_FAILED');
    expect(message).toBe('Syntax Error: Expected Name, found <EOF>.');
    expect(result.body.errors[0].locations).toEqual([{ line: 1, column: 23 }]);
  });

  it('answers an unknown field with 400 GRAPHQL_VALIDATION_FAILED and a suggestion', async () => {
    const message = expectOneError(await gateway.post('{ topProducts { nam } }'), 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(message).toBe('Cannot query field "nam" on type "Product". Did you mean "name"?');
  });

  it('answers a variable of the wrong type with 400 BAD_USER_INPUT', async () => {
    const result = await gateway.post('query ($first: Int) { topProducts(first: $first) { name } }', { first: 'abc' });
    const message = expectOneError(result, 400, 'BAD_USER_INPUT');
    expect(message).toBe('Variable "$first" got invalid value "abc"; Int cannot represent non-integer value: "abc"');
  });

  it('answers a missing required variable with 400 BAD_USER_INPUT', async () => {
    const message = expectOneError(await gateway.post('query ($upc: String!) { product(upc: $upc) { name } }'), 400, 'BAD_USER_INPUT');
    expect(message).toBe('Variable "$upc" of required type "String!" was not provided.');
  });

  it('answers an operationName the document does not hold with 400 OPERATION_NOT_FOUND', async () => {
    const query = 'query Typename { __typename } query Top { topProducts(first: 1) { name } }';
    const message = expectOneError(await postRaw(JSON.stringify({ query, operationName: 'Bottom' })), 400, 'OPERATION_NOT_FOUND');
    expect(message).toBe('Unknown operation named "Bottom".');
  });

  it('answers two operations and no operationName with 400 OPERATION_NOT_FOUND', async () => {
    const query = 'query Typename { __typename } query Top { topProducts(first: 1) { name } }';
    const message = expectOneError(await postRaw(JSON.stringify({ query })), 400, 'OPERATION_NOT_FOUND');
    expect(message).toBe('Must provide operation name if query contains multiple operations.');
  });

  it('answers 200 levels of real recursion with 400 MAX_DEPTH_EXCEEDED and the depth limit', async () => {
    // Review.author -> User.reviews -> Review.author ...: the reviews subgraph's own cycle.
    let selection = 'id';
    for (let level = 0; level < 199; level++) selection = `${level % 2 === 0 ? 'author' : 'reviews'} { ${selection} }`;
    const query = `{ latestReviews { ${selection} } }`;
    const result = await gateway.post(query);
    const message = expectOneError(result, 400, 'MAX_DEPTH_EXCEEDED');
    expect(message).toBe('operation nests 201 levels deep; limits.maxDepth allows 100');
    expect(result.body.errors[0].extensions).toMatchObject({ limit: 'maxDepth', max: 100, actual: 201 });
  });
});

describe('a failing subgraph', () => {
  /** Runs SPLIT_QUERY with `accounts` misbehaving; asserts partial data and one error naming accounts. */
  async function expectAccountsFailure(target: DemoGateway, faultPort: number, code: string): Promise<string> {
    const result = await target.post(SPLIT_QUERY);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ me: null, ...HEALTHY_PART });
    expect(result.body.errors).toHaveLength(1);
    const [error] = result.body.errors;
    expect(error.extensions.code).toBe(code);
    expect(error.extensions.serviceName).toBe('accounts');
    // Neither where the subgraph lives nor how the gateway failed inside may reach the client.
    const sent = JSON.stringify(result.body.errors);
    expect(sent).not.toContain(String(faultPort));
    expect(sent).not.toContain('127.0.0.1');
    expect(sent).not.toContain('stacktrace');
    return error.message;
  }

  async function withFault(behaviour: Fault, code: string): Promise<string> {
    fault.setFault(behaviour);
    const before = fault.requests;
    const message = await expectAccountsFailure(gateway, fault.port, code);
    expect(fault.requests).toBeGreaterThan(before);
    return message;
  }

  it('names a subgraph that refuses connections, SUBGRAPH_UNAVAILABLE', async () => {
    const closed = await closedPortUrl();
    const refused = await startDemoGateway({ config: { traffic: { subgraphs: { accounts: { url: closed.url } } } } });
    try {
      const message = await expectAccountsFailure(refused, closed.port, 'SUBGRAPH_UNAVAILABLE');
      expect(message).toBe('subgraph "accounts" is unavailable: connection refused');
      await expectStillServing(refused);
    } finally {
      await refused.close();
    }
  });

  it('names a subgraph that resets the connection, SUBGRAPH_UNAVAILABLE', async () => {
    const message = await withFault('reset', 'SUBGRAPH_UNAVAILABLE');
    expect(message).toMatch(/^subgraph "accounts" is unavailable: (connection reset|socket closed)$/);
  });

  it('names a subgraph that never answers, SUBGRAPH_TIMEOUT after its timeout', async () => {
    const message = await withFault('hang', 'SUBGRAPH_TIMEOUT');
    expect(message).toBe('subgraph "accounts" did not answer within 300 ms');
  });

  it('names a subgraph that answers 500 with HTML, SUBGRAPH_BAD_RESPONSE', async () => {
    const message = await withFault('500-html', 'SUBGRAPH_BAD_RESPONSE');
    expect(message).toBe('subgraph "accounts" answered HTTP 500 with a body that is not JSON');
  });

  it('names a subgraph that answers 200 with HTML, SUBGRAPH_BAD_RESPONSE', async () => {
    const message = await withFault('html-200', 'SUBGRAPH_BAD_RESPONSE');
    expect(message).toBe('subgraph "accounts" answered HTTP 200 with a body that is not JSON');
  });

  it('names a subgraph that answers truncated JSON, SUBGRAPH_BAD_RESPONSE', async () => {
    const message = await withFault('truncated-json', 'SUBGRAPH_BAD_RESPONSE');
    expect(message).toBe('subgraph "accounts" answered HTTP 200 with a body that is not JSON');
  });

  it('passes on the GraphQL error of a subgraph that answers 500 with one, naming the subgraph', async () => {
    const message = await withFault('500-json-graphql-error', 'SUBGRAPH_ERROR');
    expect(message).toBe(FAULT_GRAPHQL_ERROR);
  });
});
