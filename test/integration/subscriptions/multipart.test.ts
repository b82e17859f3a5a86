import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client/core/index.js';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { wsClient } from '../../helpers/subscription-clients.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';

// Apollo's multipart HTTP subscriptions through the real gateway and demo subgraphs, with Apollo Client's
// HttpLink (it sends `Accept: multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json`),
// and the raw wire with fetch for status, headers, heartbeats and the error part.

const SUBSCRIPTION = 'subscription { reviewAdded { id body item { upc name price } } }';
const MULTIPART_ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json';
const WAIT_MS = 10_000;

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({ subgraphs, config: { subscriptions: { multipartHeartbeat: '100ms' }, metrics: { enabled: true } } });
});

afterAll(async () => {
  await gateway?.close();
  await subgraphs?.close();
});

const reviewsOf = (demo: DemoSubgraphs) => demo.subgraphs.find((s) => s.name === 'reviews')!;

/** Polls until `check` holds (bounded; no timing assertion). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function addReview(on: DemoGateway, body: string): Promise<string> {
  const response = await on.post('mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }', { body });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addReview.id;
}

/** A subscription through Apollo Client's HttpLink; `ended` settles with the error or completion. */
function subscribe(url: string) {
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
  const events: any[] = [];
  let resolveEnded!: (outcome: { error?: any }) => void;
  const ended = new Promise<{ error?: any }>((resolve) => (resolveEnded = resolve));
  const subscription = client.subscribe({ query: gql(SUBSCRIPTION), fetchPolicy: 'no-cache' }).subscribe({
    next: (value) => void events.push(value),
    error: (error) => resolveEnded({ error }),
    complete: () => resolveEnded({}),
  });
  return { events, ended, unsubscribe: () => subscription.unsubscribe() };
}

/** A raw multipart request; `text()` is what arrived so far. */
async function open(url: string, query: string, accept = MULTIPART_ACCEPT) {
  const controller = new AbortController();
  const response = await fetch(url, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
  let received = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) received += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch(() => undefined);
  return { response, text: () => received, reading, abort: () => controller.abort() };
}

/** The JSON documents of a multipart body so far (parts the delimiter after them has closed). */
function parts(text: string): any[] {
  return text
    .split('\r\n--graphql')
    .slice(1, -1)
    .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('\r\n\r\n') + 4)));
}

describe('multipart subscriptions with Apollo Client (HttpLink)', () => {
  it('receives events whose fields come from another subgraph (products)', async () => {
    await until(() => reviewsOf(subgraphs).subscribers() === 0, 'no upstream subscription');
    const stream = subscribe(gateway.url);
    try {
      await until(() => reviewsOf(subgraphs).subscribers() === 1, 'the upstream subscription');
      const id = await addReview(gateway, 'multipart one');
      await addReview(gateway, 'multipart two');
      await until(() => stream.events.length >= 2, 'two events');
      expect(stream.events[0].data.reviewAdded).toEqual({
        __typename: 'Review',
        id,
        body: 'multipart one',
        item: { __typename: 'Product', upc: '1001', name: expect.any(String), price: expect.any(Number) },
      });
      expect(stream.events[1].data.reviewAdded.body).toBe('multipart two');
    } finally {
      stream.unsubscribe();
    }
  });

  it('frees the upstream subscription when the client drops mid-stream', async () => {
    await until(() => reviewsOf(subgraphs).subscribers() === 0, 'no upstream subscription');
    const stream = subscribe(gateway.url);
    await until(() => reviewsOf(subgraphs).subscribers() === 1, 'the upstream subscription');
    await addReview(gateway, 'before the drop');
    await until(() => stream.events.length === 1, 'one event');
    stream.unsubscribe();
    await until(() => reviewsOf(subgraphs).subscribers() === 0, 'the upstream subscription to close');
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    expect(metrics).toMatch(/atrium_subscription_events_total\{transport="multipart"\} [1-9]/);
  });

  it('ends with an error naming the subgraph when the subgraph goes away', async () => {
    const own = await startDemoSubgraphs({ host: '127.0.0.1' });
    const local = await startDemoGateway({ subgraphs: own });
    try {
      const stream = subscribe(local.url);
      await until(() => reviewsOf(own).subscribers() === 1, 'the upstream subscription');
      await reviewsOf(own).close();
      const { error } = await stream.ended;
      expect(JSON.stringify(error)).toContain('SUBGRAPH_UNAVAILABLE');
      expect(error.message).toContain('"reviews"');
    } finally {
      await local.close();
      await own.close();
    }
  });
});

describe('multipart subscriptions on the wire', () => {
  it('answers 200 multipart/mixed with heartbeats and {payload} parts, and ends with the close delimiter', async () => {
    const own = await startDemoSubgraphs({ host: '127.0.0.1' });
    const local = await startDemoGateway({ subgraphs: own, config: { subscriptions: { multipartHeartbeat: '100ms' } } });
    try {
      const stream = await open(local.url, SUBSCRIPTION);
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
      await until(() => parts(stream.text()).filter((part) => Object.keys(part).length === 0).length >= 2, 'two heartbeats');
      await until(() => reviewsOf(own).subscribers() === 1, 'the upstream subscription');
      await addReview(local, 'on the wire');
      await until(() => parts(stream.text()).some((part) => part.payload), 'an event part');
      const event = parts(stream.text()).find((part) => part.payload);
      expect(event.payload.data.reviewAdded.body).toBe('on the wire');
      await reviewsOf(own).close();
      await stream.reading;
      const all = parts(stream.text());
      expect(all.at(-1)).toEqual({ payload: null, errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'reviews' }) })] });
      expect(stream.text().endsWith('\r\n--graphql--\r\n')).toBe(true);
    } finally {
      await local.close();
      await own.close();
    }
  });

  it('refuses an invalid subscription with a JSON 400 before streaming', async () => {
    const stream = await open(gateway.url, 'subscription { reviewAdded { nope } }');
    expect(stream.response.status).toBe(400);
    expect(stream.response.headers.get('content-type')).toContain('application/json');
    await stream.reading;
    expect(JSON.parse(stream.text()).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a malformed operation with the codes /graphql gives, over multipart and SSE, POST and GET', async () => {
    const hash = createHash('sha256').update(SUBSCRIPTION).digest('hex');
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ query: SUBSCRIPTION, variables: [1] }, 400, 'BAD_REQUEST', '`variables` must be an object if provided'],
      [{ query: SUBSCRIPTION, variables: 'x' }, 400, 'BAD_REQUEST', '`variables` must be an object if provided'],
      [{ query: SUBSCRIPTION, operationName: 7 }, 400, 'BAD_REQUEST', '`operationName` must be a string if provided'],
      [{ query: SUBSCRIPTION, extensions: 'x' }, 400, 'BAD_REQUEST', '`extensions` must be an object if provided'],
      [{ query: 42 }, 400, 'BAD_REQUEST', '`query` must be a string'],
      [{}, 400, 'BAD_REQUEST', 'the operation has no query: send `query` as a non-empty string'],
      [{ query: SUBSCRIPTION, extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }, 400, 'PERSISTED_QUERY_HASH_MISMATCH', 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query'],
      [{ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, 400, 'PERSISTED_QUERY_NOT_SUPPORTED', 'subscriptions are not served from persisted queries: send the query text'],
    ];
    for (const accept of [MULTIPART_ACCEPT, 'text/event-stream']) {
      for (const [body, status, code, message] of cases) {
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
        expect({ accept, body, status: response.status, answer: await response.json() }).toEqual({ accept, body, status, answer: { errors: [{ message, extensions: { code } }] } });
      }
      const get = await fetch(`${gateway.url}?query=${encodeURIComponent(SUBSCRIPTION)}&variables=%5B1%5D`, { headers: { accept } });
      expect(get.status).toBe(400);
      expect(await get.json()).toEqual({ errors: [{ message: '`variables` must be an object if provided', extensions: { code: 'BAD_REQUEST' } }] });
    }
    // Over WebSocket graphql-ws checks the fields' types; the hash is the gateway's to check.
    const clients: Client[] = [];
    try {
      const client = wsClient(gateway.url, clients);
      const error = await new Promise((resolve) => {
        client.subscribe({ query: SUBSCRIPTION, extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
      });
      expect(error).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } })]);
      // An engine refusal carries its code only: Apollo Server's `extensions.http` stays on /graphql.
      const refused = await new Promise((resolve) => {
        client.subscribe({ query: '{ topProducts(first: 2) @stream(initialCount: 1) { upc } }' }, { next: resolve, error: resolve, complete: () => undefined });
      });
      expect(refused).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'STREAM_NOT_SUPPORTED' } })] });
    } finally {
      for (const client of clients) await client.dispose();
    }
    // The right hash with its query is served.
    const stream = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: MULTIPART_ACCEPT },
      body: JSON.stringify({ query: '{ topProducts(first: 1) { upc } }', extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('{ topProducts(first: 1) { upc } }').digest('hex') } } }),
    });
    expect(stream.status).toBe(200);
    expect(parts(await stream.text())).toEqual([{ payload: { data: { topProducts: [{ upc: expect.any(String) }] } } }]);
  });

  it('answers a query sent with the subscription Accept as one payload part', async () => {
    const stream = await open(gateway.url, '{ topProducts(first: 1) { upc } }');
    await stream.reading;
    expect(parts(stream.text())).toEqual([{ payload: { data: { topProducts: [{ upc: expect.any(String) }] } } }]);
  });

  it('keeps a subscription without subscriptionSpec a 4xx (400, or 406 when nothing it accepts is served)', async () => {
    for (const accept of ['multipart/mixed;deferSpec=20220824,application/json', 'application/json']) {
      const stream = await open(gateway.url, SUBSCRIPTION, accept);
      expect(stream.response.status).toBe(400);
      await stream.reading;
      expect(JSON.parse(stream.text()).errors[0].extensions.code).toBe('SUBSCRIPTION_TRANSPORT_REQUIRED');
    }
    // Nothing the gateway answers with: 406 and a code that says so.
    const stream = await open(gateway.url, SUBSCRIPTION, 'multipart/mixed');
    expect(stream.response.status).toBe(406);
    await stream.reading;
    expect(JSON.parse(stream.text()).errors[0].extensions.code).toBe('NOT_ACCEPTABLE');
  });
});
