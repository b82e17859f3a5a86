import { ApolloClient, type DocumentNode, execute, gql, HttpLink, InMemoryCache } from '@apollo/client/core/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';

// @defer through the real gateway over the real demo subgraphs: Apollo Client's HttpLink (the client that
// sends `Accept: multipart/mixed;deferSpec=20220824,application/json` and parses the parts), and the raw
// wire with fetch for status, headers and framing. Reviews come from the reviews subgraph, the products
// they are deferred on from products, so the deferred fragment needs a fetch of its own.

const DEFERRED = `{
  topProducts(first: 2) {
    upc
    name
    ... @defer(label: "reviews") {
      reviews(first: 1) { body author { username ... @defer(label: "authorReviews") { reviews(first: 1) { rating } } } }
    }
  }
}`;
const DEFER_ACCEPT = 'multipart/mixed;deferSpec=20220824,application/json';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({ subgraphs });
});

afterAll(async () => {
  await gateway?.close();
  await subgraphs?.close();
});

/** Every result Apollo's HttpLink hands on for one operation (the raw payloads, parsed by Apollo Client). */
function linkResults(url: string, query: DocumentNode): Promise<any[]> {
  const results: any[] = [];
  return new Promise((resolve, reject) => {
    execute(new HttpLink({ uri: url }), { query }).subscribe({ next: (result) => void results.push(result), error: reject, complete: () => resolve(results) });
  });
}

/** The gateway's answer as raw text, with status and headers. */
async function raw(url: string, query: string, accept: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The JSON documents of a multipart body, in order (split on the delimiter the content type names). */
function parts(text: string, contentType: string | null): any[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType ?? '')?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return text
    .split(`\r\n--${boundary}`)
    .map((chunk) => chunk.slice(chunk.indexOf('\r\n\r\n') + 4))
    .filter((body, i, all) => i > 0 && i < all.length - 1 && body.length > 0)
    .map((body) => JSON.parse(body));
}

describe('@defer with Apollo Client (HttpLink)', () => {
  it('delivers the primary selection first, then each deferred fragment with its label and path', async () => {
    const results = await linkResults(gateway.url, gql(DEFERRED));
    expect(results.length).toBe(3);
    const [initial, first, second] = results;
    expect(initial.hasNext).toBe(true);
    for (const product of initial.data.topProducts) {
      expect(Object.keys(product).sort()).toEqual(['name', 'upc']);
    }
    expect(first.hasNext).toBe(true);
    expect(first.incremental.map((part: any) => [part.label, part.path])).toEqual([
      ['reviews', ['topProducts', 0]],
      ['reviews', ['topProducts', 1]],
    ]);
    expect(first.incremental[0].data.reviews[0].author.username).toEqual(expect.any(String));
    expect(first.incremental[0].data.reviews[0].author.reviews).toBeUndefined();
    expect(second.hasNext).toBe(false);
    expect(second.incremental.map((part: any) => [part.label, part.path])).toEqual([
      ['authorReviews', ['topProducts', 0, 'reviews', 0, 'author']],
      ['authorReviews', ['topProducts', 1, 'reviews', 0, 'author']],
    ]);
  });

  it('merges the parts in the client into the same answer as the operation without @defer', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: gateway.url }), cache: new InMemoryCache() });
    const seen: any[] = [];
    const query = gql(DEFERRED);
    const final = await new Promise<any>((resolve, reject) => {
      const subscription = client.watchQuery({ query, fetchPolicy: 'no-cache' }).subscribe({
        next(result) {
          seen.push(result.data);
          if (result.data?.topProducts?.[0]?.reviews?.[0]?.author?.reviews) {
            subscription.unsubscribe();
            resolve(result.data);
          }
        },
        error: reject,
      });
    });
    // An intermediate result came before the deferred fields did.
    expect(seen[0].topProducts[0].reviews).toBeUndefined();
    const whole = await gateway.post(DEFERRED.replace(/\.\.\. @defer\(label: "\w+"\) \{/g, '... {'));
    expect(whole.body.errors).toBeUndefined();
    expect(stripTypename(final)).toEqual(whole.body.data);
  });
});

describe('@defer on the wire', () => {
  it('answers multipart/mixed; deferSpec=20220824 with a part per payload and the close delimiter', async () => {
    const response = await raw(gateway.url, DEFERRED, DEFER_ACCEPT);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('multipart/mixed;boundary="-";deferSpec=20220824');
    expect(response.text.startsWith('\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{"data":')).toBe(true);
    expect(response.text.endsWith('\r\n-----\r\n')).toBe(true);
    const payloads = parts(response.text, response.contentType);
    expect(payloads.map((payload) => payload.hasNext)).toEqual([true, true, false]);
  });

  it('answers the whole result in one JSON response when the client does not accept multipart', async () => {
    const response = await raw(gateway.url, DEFERRED, 'application/json');
    expect(response.status).toBe(200);
    expect(response.contentType).toContain('application/json');
    const body = JSON.parse(response.text);
    expect(body.hasNext).toBeUndefined();
    expect(body.data.topProducts[0].reviews[0].author.reviews[0].rating).toEqual(expect.any(Number));
  });

  it('answers an operation without @defer in plain JSON even when multipart is accepted', async () => {
    const response = await raw(gateway.url, '{ topProducts(first: 1) { upc } }', DEFER_ACCEPT);
    expect(response.contentType).toContain('application/json');
    expect(JSON.parse(response.text).data.topProducts).toHaveLength(1);
  });

  it('keeps @defer(if: false) in the first payload', async () => {
    const response = await raw(gateway.url, '{ topProducts(first: 1) { upc ... @defer(if: false) { name } } }', DEFER_ACCEPT);
    expect(JSON.parse(response.text).data.topProducts[0].name).toEqual(expect.any(String));
  });

  it('puts an error inside a deferred fragment into that part, with null at the fragment', async () => {
    // Inventory fails restockDate (non-null) for FUR-200: the null stops at the deferred fragment's object.
    const query = '{ productBySku(sku: "FUR-200") { name ... @defer(label: "stock") { quantity restockDate } } }';
    const response = await raw(gateway.url, query, DEFER_ACCEPT);
    const [initial, later] = parts(response.text, response.contentType);
    expect(initial.errors).toBeUndefined();
    expect(initial.data.productBySku.name).toBe('Oak Writing Desk');
    expect(later.hasNext).toBe(false);
    expect(later.incremental).toHaveLength(1);
    const [part] = later.incremental;
    expect(part).toMatchObject({ label: 'stock', path: ['productBySku'], data: null });
    expect(part.errors[0].path.slice(0, 2)).toEqual(['productBySku', 'restockDate']);
  });

  it('answers client aliases named like supergraph fields under their names, in deferred parts and paths too', async () => {
    // `sku: name` shares its name with the key inventory's quantity needs, and the deferred fragment sits
    // under `upc: topProducts`: both are planned under internal keys (internal-aliases.ts), never shown.
    const query = '{ upc: topProducts(first: 2) { sku: name ... @defer(label: "stock") { quantity name: upc } } }';
    const response = await raw(gateway.url, query, DEFER_ACCEPT);
    const [initial, later] = parts(response.text, response.contentType);
    const whole = await gateway.post(query.replace('... @defer(label: "stock") {', '... {'));
    expect(whole.body.errors).toBeUndefined();
    expect(initial.data.upc.map((product: any) => product.sku)).toEqual(whole.body.data.upc.map((product: any) => product.sku));
    expect(whole.body.data.upc[0].sku).not.toMatch(/^[A-Z]+-\d+$/); // a name, not a sku
    expect(later.incremental.map((part: any) => part.path)).toEqual([['upc', 0], ['upc', 1]]);
    expect(later.incremental.map((part: any) => part.data)).toEqual(whole.body.data.upc.map(({ quantity, name }: any) => ({ quantity, name })));
  });

  it('refuses @stream with 400 STREAM_NOT_SUPPORTED', async () => {
    for (const accept of [DEFER_ACCEPT, 'application/json']) {
      const response = await raw(gateway.url, '{ topProducts(first: 3) @stream(initialCount: 1) { upc } }', accept);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('STREAM_NOT_SUPPORTED');
    }
  });

  it('refuses a @defer label from a variable, and two equal labels, as invalid (400)', async () => {
    const variable = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: DEFER_ACCEPT },
      body: JSON.stringify({ query: 'query($l: String) { topProducts(first: 1) { upc ... @defer(label: $l) { name } } }', variables: { l: 'x' } }),
    });
    expect(variable.status).toBe(400);
    expect(((await variable.json()) as any).errors).toEqual([
      expect.objectContaining({ message: 'The label of @defer must be a string written in the document, not a variable.', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
    ]);
    const repeated = await raw(gateway.url, '{ topProducts(first: 1) { ... @defer(label: "a") { name } ... @defer(label: "a") { price } ... @defer(label: "b") { weight } } }', DEFER_ACCEPT);
    expect(repeated.status).toBe(400);
    expect(JSON.parse(repeated.text).errors).toEqual([
      expect.objectContaining({ message: 'The label of @defer must be unique in the document: another @defer or @stream has the same label.', locations: [{ line: 1, column: 70 }] }),
    ]);
  });

  it('refuses an invalid deferred operation before streaming, in JSON', async () => {
    const response = await raw(gateway.url, '{ topProducts { ... @defer { nope } } }', DEFER_ACCEPT);
    expect(response.status).toBe(400);
    expect(response.contentType).toContain('application/json');
    expect(JSON.parse(response.text).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('@defer through authorization, cost and quotas', () => {
  it('filters a field the caller may not see inside a deferred fragment', async () => {
    const local = await startDemoGateway({ subgraphs, config: { authorization: { mode: 'filter' } } });
    try {
      // Order needs the orders:read scope: anonymous callers get null and an error, in the deferred part.
      const query = '{ me { id } ... @defer(label: "orders") { order(id: "1") { id status } } }';
      const response = await raw(local.url, query, DEFER_ACCEPT);
      const [initial, later] = parts(response.text, response.contentType);
      expect(initial).toEqual({ data: { me: { id: '1' } }, hasNext: true });
      expect(later.incremental).toEqual([
        {
          label: 'orders',
          path: [],
          data: { order: null },
          errors: [expect.objectContaining({ path: ['order'], extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })],
        },
      ]);
    } finally {
      await local.close();
    }
  });

  it('stops the null of a removed non-null field at the deferred fragment', async () => {
    const local = await startDemoGateway({ subgraphs, config: { authorization: { mode: 'filter' } } });
    try {
      const response = await raw(local.url, '{ me { id ... @defer(label: "private") { name email } } }', DEFER_ACCEPT);
      const [initial, later] = parts(response.text, response.contentType);
      expect(initial.data.me).toEqual({ id: '1' });
      const [part] = later.incremental;
      // email is String!: its null reaches the fragment's object, which is the part's data.
      expect(part).toMatchObject({ label: 'private', path: ['me'], data: null });
      expect(part.errors).toEqual([expect.objectContaining({ path: ['me', 'email'], extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
      expect(JSON.stringify(later)).not.toContain('@');
    } finally {
      await local.close();
    }
  });

  it('estimates the cost over the whole operation and charges the budget once', async () => {
    const capacity = 1000;
    const local = await startDemoGateway({ subgraphs, config: { cost: { budget: { anonymous: { capacity, restoreRate: 0.001 } } } } });
    try {
      const whole = await local.post(DEFERRED.replace(/\.\.\. @defer\(label: "\w+"\) \{/g, '... {'));
      const wholeCost = whole.body.extensions.cost;
      const response = await raw(local.url, DEFERRED, DEFER_ACCEPT);
      const payloads = parts(response.text, response.contentType);
      // Settled once, on the last payload.
      expect(payloads.slice(0, -1).every((payload) => payload.extensions?.cost === undefined)).toBe(true);
      const cost = payloads.at(-1).extensions.cost;
      expect(cost.requestedQueryCost).toBe(wholeCost.requestedQueryCost);
      expect(cost.actualQueryCost).toBe(wholeCost.actualQueryCost);
      // Each request took its actual cost from the bucket, no more and no less (the refill is negligible).
      const spent = capacity - cost.throttleStatus.currentlyAvailable;
      expect(spent).toBeCloseTo(wholeCost.actualQueryCost + cost.actualQueryCost, 1);
    } finally {
      await local.close();
    }
  });

  it('refuses a deferred operation over cost.maxPerOperation before anything is sent', async () => {
    const local = await startDemoGateway({ subgraphs, config: { cost: { maxPerOperation: 2 } } });
    try {
      const response = await raw(local.url, DEFERRED, DEFER_ACCEPT);
      expect(response.status).toBe(400);
      expect(response.contentType).toContain('application/json');
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    } finally {
      await local.close();
    }
  });
});

function stripTypename(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTypename);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '__typename').map(([key, v]) => [key, stripTypename(v)]));
}
