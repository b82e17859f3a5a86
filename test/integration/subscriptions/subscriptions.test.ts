import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient } from 'graphql-ws';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { createLogger } from '../../../gateway/logger.js';
import { resetDemoData, startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect as collectEvents, until, wsClient as openWsClient, wsUrl } from '../../helpers/subscription-clients.js';

// Subscriptions through the real gateway over the real demo subgraphs, with the real protocol clients:
// graphql-ws (graphql-transport-ws) and graphql-sse (distinct connections). reviewAdded comes from
// reviews over WebSocket; item { name price } is fetched from products for every event.

const SUBSCRIPTION = 'subscription { reviewAdded { id body rating item { upc name price } } }';
const ADD_REVIEW = 'mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }';
const API_KEY = 'subscriptions-test-key-0123456789';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;
const clients: Client[] = [];
/** The gateway's warnings, as JSON lines. */
const warnings: string[] = [];

function wsClient(options: { url?: string; connectionParams?: Record<string, unknown>; webSocketImpl?: unknown } = {}): Client {
  return openWsClient(options.url ?? gateway.url, clients, { connectionParams: options.connectionParams ?? { apiKey: API_KEY }, ...(options.webSocketImpl !== undefined && { webSocketImpl: options.webSocketImpl }) });
}

/** Collects a subscription's events; `ended` settles with the error or `complete`. */
const collect = (client: Client, query = SUBSCRIPTION) => collectEvents(client, query);

/** A WebSocket class for graphql-ws clients that keeps every socket it opens (to pause and resume reading). */
function recordedSockets() {
  const sockets: WebSocket[] = [];
  class Recorded extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
    }
  }
  return { sockets, Recorded };
}

const reviewSubscribers = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!.subscribers();

async function addReview(body: string) {
  const response = await gateway.post(ADD_REVIEW, { body }, { 'x-api-key': API_KEY });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addReview.id as string;
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({
    subgraphs,
    config: {
      auth: { apiKeys: { keys: { tests: { hash: hashApiKey(API_KEY), clientId: 'tests' } } } },
      subscriptions: { maxPerConnection: 3, maxBufferedBytes: 64 * 1024 },
      metrics: { enabled: true },
      // These tests count one upstream subscription per client; sharing has its own file (dedupe.test.ts).
      traffic: { all: { dedupeSubscriptions: false } },
    },
    logger: createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(line) } }),
  });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gateway?.close();
  await subgraphs?.close();
  resetDemoData();
});

describe('GraphQL over WebSocket (graphql-ws)', () => {
  it('delivers events completed with fields from another subgraph (products) through the query plan', async () => {
    const { events, unsubscribe } = collect(wsClient());
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    const id = await addReview('first event');
    await until(() => events.length === 1, 'one event');
    expect(events[0]).toEqual({
      data: { reviewAdded: { id, body: 'first event', rating: 5, item: { upc: "1001", name: expect.any(String), price: expect.any(Number) } } },
    });
    unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('serves many clients on one event stream, each with every event in order', async () => {
    const streams = Array.from({ length: 5 }, () => collect(wsClient()));
    await until(() => reviewSubscribers() === 5, 'five upstream subscriptions');
    const ids = [await addReview('one'), await addReview('two')];
    await until(() => streams.every((s) => s.events.length === 2), 'two events on every client');
    for (const stream of streams) expect(stream.events.map((e) => e.data.reviewAdded.id)).toEqual(ids);
    for (const stream of streams) stream.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the upstream subscriptions to close');
  });

  it('closes the upstream subscription when a client drops mid-stream', async () => {
    const client = wsClient();
    const { events } = collect(client);
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    await addReview('before the drop');
    await until(() => events.length === 1, 'one event');
    client.terminate();
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('refuses bad credentials in connection_init with 4401', async () => {
    const client = wsClient({ connectionParams: { apiKey: 'wrong-key' } });
    const { ended } = collect(client);
    const outcome = await ended;
    expect(outcome.error).toMatchObject({ code: 4401 });
    expect(String((outcome.error as { reason: string }).reason)).toContain('UNAUTHENTICATED');
  });

  it('accepts the key from the upgrade request headers', async () => {
    class WithHeaders extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-api-key': API_KEY } });
      }
    }
    const { events, unsubscribe } = collect(wsClient({ connectionParams: {}, webSocketImpl: WithHeaders }), '{ topProducts(first: 1) { upc } }');
    await until(() => events.length === 1, 'the query result');
    expect(events[0].data.topProducts).toHaveLength(1);
    unsubscribe();
  });

  /** The HTTP answer to a WebSocket upgrade that is refused. */
  const refusedUpgrade = (url: string, protocol: string) => {
    const socket = new WebSocket(url, protocol, { headers: { 'x-request-id': 'upgrade-refused-1' } });
    socket.on('error', () => {});
    return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve) => {
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
    });
  };

  it('refuses an unknown subprotocol with HTTP 400 and a body that names the supported one', async () => {
    const answer = await refusedUpgrade(wsUrl(gateway.url), 'graphql-ws');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).errors[0].message).toContain('graphql-transport-ws');
  });

  it('answers a request that offers another upgrade (curl --http2: Upgrade: h2c) as HTTP where Node allows, else with a 400 that says why', async () => {
    const post = (port: number, path: string, body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA', 'content-type': 'application/json' };
        const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
        request.end(body);
      });
    // Whether this Node reads the server option `shouldUpgradeCallback` (Node 24 does, Node 20 does not).
    const probe = createHttpServer({ shouldUpgradeCallback: () => false } as object, (_req, res) => res.end('request'));
    probe.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 7\r\n\r\nupgrade'));
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const honoured = (await post((probe.address() as AddressInfo).port, '/', '')).body === 'request';
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const answer = await post(Number(new URL(gateway.url).port), '/graphql', JSON.stringify({ query: '{ topProducts(first: 1) { upc } }' }));
    if (honoured) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.topProducts).toHaveLength(1);
    } else {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).errors[0]).toMatchObject({ message: expect.stringContaining('WebSocket only'), extensions: { code: 'BAD_REQUEST' } });
    }
  });

  it('answers upgrades, refused or accepted, with the request id and the security headers of every answer', async () => {
    const refused = await refusedUpgrade(wsUrl(gateway.url), 'graphql-ws');
    expect(refused.headers).toMatchObject({ 'x-request-id': 'upgrade-refused-1', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    const elsewhere = await refusedUpgrade(wsUrl(gateway.url).replace(/\/graphql$/, '/elsewhere'), 'graphql-transport-ws');
    expect(elsewhere.status).toBe(404);
    expect(JSON.parse(elsewhere.body).errors[0].extensions.code).toBe('NOT_FOUND');
    expect(elsewhere.headers).toMatchObject({ 'x-request-id': 'upgrade-refused-1', 'x-content-type-options': 'nosniff' });

    const socket = new WebSocket(wsUrl(gateway.url), 'graphql-transport-ws', { headers: { 'x-request-id': 'upgrade-accepted-1' } });
    const accepted = await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.once('upgrade', (res) => resolve(res.headers));
      socket.once('error', reject);
    });
    socket.close();
    expect(accepted).toMatchObject({ 'x-request-id': 'upgrade-accepted-1', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
  });

  it('refuses a malformed handshake with the gateway\'s JSON error, not a plain-text one', async () => {
    const upgrade = (method: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
        const all = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws', 'x-request-id': 'bad-handshake-1', ...headers };
        const request = httpRequest({ host: '127.0.0.1', port: Number(new URL(gateway.url).port), path: '/graphql', method, headers: all });
        request.on('upgrade', () => reject(new Error('upgraded')));
        request.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        });
        request.on('error', reject);
        request.end();
      });
    const key = { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const noKey = await upgrade('GET', { 'sec-websocket-version': '13' });
    expect(noKey.status).toBe(400);
    expect(JSON.parse(noKey.body)).toEqual({ errors: [{ message: 'WebSocket handshake refused: Missing or invalid Sec-WebSocket-Key header', extensions: { code: 'BAD_REQUEST' } }] });
    expect(noKey.headers).toMatchObject({ 'content-type': 'application/json', 'x-request-id': 'bad-handshake-1', 'x-content-type-options': 'nosniff' });
    const version = await upgrade('GET', { ...key, 'sec-websocket-version': '99' });
    expect(version.status).toBe(400);
    expect(version.headers['sec-websocket-version']).toBe('13, 8');
    expect(JSON.parse(version.body).errors[0].message).toBe('WebSocket handshake refused: Missing or invalid Sec-WebSocket-Version header');
    const post = await upgrade('POST', { ...key, 'sec-websocket-version': '13' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect(JSON.parse(post.body).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    // And the gateway still answers.
    expect((await gateway.post('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses operations over subscriptions.maxPerConnection', async () => {
    const client = wsClient();
    const open = [collect(client), collect(client), collect(client)];
    await until(() => reviewSubscribers() === 3, 'three upstream subscriptions');
    const extra = collect(client);
    const outcome = await extra.ended;
    expect(outcome.error).toEqual([expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })]);
    for (const stream of open) stream.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the upstream subscriptions to close');
  });

  it('disconnects a slow consumer whose socket buffer exceeds subscriptions.maxBufferedBytes', async () => {
    const { sockets, Recorded } = recordedSockets();
    const { events, ended } = collect(wsClient({ webSocketImpl: Recorded }));
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    await addReview('warm-up');
    await until(() => events.length === 1, 'the first event');
    // Stop reading: events pile up in the gateway's socket buffer.
    (sockets[0] as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 40 && reviewSubscribers() === 1; i++) await addReview(big);
    await until(() => reviewSubscribers() === 0, 'the slow client to be disconnected');
    (sockets[0] as unknown as { _socket: { resume(): void } })._socket.resume();
    // 4429 when the close frame got through, 1006 when the gateway had to cut the socket off.
    const outcome = await ended;
    expect([4429, 1006]).toContain((outcome.error as { code: number }).code);
  });

  it('closes a slow consumer as soon as one event fanned out to its subscriptions passes maxBufferedBytes', async () => {
    // The bound was checked once a second only: one event copied into every subscription of a connection
    // that does not read could buffer maxPerConnection times its size first.
    const { sockets, Recorded } = recordedSockets();
    const client = wsClient({ webSocketImpl: Recorded });
    const streams = [collect(client), collect(client), collect(client)];
    await until(() => reviewSubscribers() === 3, 'three upstream subscriptions');
    (sockets[0] as unknown as { _socket: { pause(): void } })._socket.pause();
    const before = warnings.length;
    const size = 200 * 1024;
    // Events until the kernel's buffers are full and the gateway starts holding bytes itself.
    for (let i = 0; i < 40 && reviewSubscribers() === 3; i++) await addReview('x'.repeat(size));
    await until(() => reviewSubscribers() === 0, 'the slow client to be disconnected');
    const cut = warnings.slice(before).map((line) => JSON.parse(line)).find((line) => line.msg === 'subscriptions: a slow WebSocket client was disconnected');
    // Closed within one message past the 64 KiB bound, not after the event's three copies (or more) piled up.
    expect(cut.bufferedBytes).toBeGreaterThan(64 * 1024);
    expect(cut.bufferedBytes).toBeLessThan(64 * 1024 + 2 * size);
    (sockets[0] as unknown as { _socket: { resume(): void } })._socket.resume();
    for (const stream of streams) await stream.ended;
  });

  it('counts open subscriptions and events in /metrics', async () => {
    const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/atrium_subscriptions_open\{transport="websocket"\} \d+/);
    expect(metrics).toMatch(/atrium_subscription_events_total\{transport="websocket"\} [1-9]/);
  });
});

describe('GraphQL over SSE (graphql-sse, distinct connections)', () => {
  it('delivers events with cross-subgraph fields and closes upstream when the client leaves', async () => {
    const client = createSseClient({ url: gateway.url, headers: { 'x-api-key': API_KEY }, retryAttempts: 0 });
    const events: any[] = [];
    const unsubscribe = client.subscribe({ query: SUBSCRIPTION }, { next: (v) => void events.push(v), error: () => {}, complete: () => {} });
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    const id = await addReview('over sse');
    await until(() => events.length === 1, 'one event');
    expect(events[0].data.reviewAdded).toMatchObject({ id, body: 'over sse', item: { upc: "1001", name: expect.any(String) } });
    unsubscribe();
    client.dispose();
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('answers 401 to an SSE request with a bad key', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': 'wrong' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    expect(response.status).toBe(401);
  });
});

describe('plain HTTP', () => {
  it('answers a subscription sent as POST with 400 SUBSCRIPTION_TRANSPORT_REQUIRED', async () => {
    const response = await gateway.post(SUBSCRIPTION, undefined, { 'x-api-key': API_KEY });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('SUBSCRIPTION_TRANSPORT_REQUIRED');
  });
});

describe('lifecycle', () => {
  it('ends the client subscription with an error naming the subgraph when the subgraph goes away', async () => {
    const own = await startDemoSubgraphs({ host: '127.0.0.1' });
    const local = await startDemoGateway({ subgraphs: own, config: { traffic: { all: { dedupeSubscriptions: false } } } });
    try {
      const client = createClient({ url: wsUrl(local.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      const { ended } = collect(client);
      const reviews = own.subgraphs.find((s) => s.name === 'reviews')!;
      await until(() => reviews.subscribers() === 1, 'the upstream subscription');
      await reviews.close();
      const outcome = await ended;
      expect(outcome.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'reviews' }) })]);
      expect((outcome.error as { message: string }[])[0]!.message).toContain('"reviews"');
    } finally {
      await local.close();
      await own.close();
    }
  });

  it('closes every subscription with 1001 (reconnectable) when the gateway closes, and closes upstream', async () => {
    const own = await startDemoSubgraphs({ host: '127.0.0.1' });
    const local = await startDemoGateway({ subgraphs: own, config: { traffic: { all: { dedupeSubscriptions: false } } } });
    const reviews = own.subgraphs.find((s) => s.name === 'reviews')!;
    try {
      const streams = [0, 1].map(() => {
        const client = createClient({ url: wsUrl(local.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
        clients.push(client);
        return collect(client);
      });
      await until(() => reviews.subscribers() === 2, 'two upstream subscriptions');
      await local.close();
      for (const stream of streams) expect((await stream.ended).error).toMatchObject({ code: 1001 });
      await until(() => reviews.subscribers() === 0, 'the upstream subscriptions to close');
    } finally {
      await own.close();
    }
  });
});
