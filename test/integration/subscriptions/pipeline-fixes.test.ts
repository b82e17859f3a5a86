import { type Client, type ClientOptions, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';

// Subscriptions on the same pipeline as queries: the cost budget is charged once per subscription, the
// onSubgraphFetch done-hooks see every upstream event, the WebSocket message bound follows
// server.bodyLimit, and `subscriptions.enabled: false` is a 400 with its code on every transport.

const SUBSCRIPTION = 'subscription { reviewAdded { id body item { upc name } } }';
const WAIT_MS = 10_000;

let subgraphs: DemoSubgraphs;
const clients: Client[] = [];
const gateways: DemoGateway[] = [];

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  for (const gateway of gateways.splice(0)) await gateway.close();
});

afterAll(async () => {
  await subgraphs?.close();
});

async function gatewayWith(options: Parameters<typeof startDemoGateway>[0]): Promise<DemoGateway> {
  const gateway = await startDemoGateway({ subgraphs, ...options });
  gateways.push(gateway);
  return gateway;
}

function wsClient(url: string, options: Partial<ClientOptions> = {}): Client {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...options });
  clients.push(client);
  return client;
}

function collect(client: Client, query = SUBSCRIPTION) {
  const events: any[] = [];
  let resolveEnded!: (outcome: { error?: any }) => void;
  const ended = new Promise<{ error?: any }>((resolve) => (resolveEnded = resolve));
  client.subscribe({ query }, { next: (value) => void events.push(value), error: (error) => resolveEnded({ error }), complete: () => resolveEnded({}) });
  return { events, ended };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const reviews = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!;

async function addReview(gateway: DemoGateway, body: string): Promise<void> {
  const response = await gateway.post('mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }', { body });
  expect(response.body.errors).toBeUndefined();
}

describe('cost of a subscription', () => {
  it('is charged once, when the subscription starts: events give nothing back', async () => {
    const capacity = 500;
    const gateway = await gatewayWith({ config: { cost: { budget: { anonymous: { capacity, restoreRate: 0.001 } } } } });
    // Reviews are added through another gateway, so the budget only pays for the subscription and the probe.
    const feeder = await gatewayWith({});
    await until(() => reviews().subscribers() === 0, 'no upstream subscription');
    // Estimated for 50 reviews, answered with fewer: a refund per event would show in the bucket.
    const { events } = collect(wsClient(gateway.url), 'subscription { reviewAdded { id item { upc reviews(first: 50) { id } } } }');
    await until(() => reviews().subscribers() === 1, 'the upstream subscription');
    for (const body of ['one', 'two', 'three']) await addReview(feeder, body);
    await until(() => events.length === 3, 'three events');
    const estimate = events[0].extensions.cost.requestedQueryCost;
    expect(events[0].extensions.cost.actualQueryCost).toBeLessThan(estimate);
    // Every event reports the bucket as the start left it.
    expect(new Set(events.map((event) => event.extensions.cost.throttleStatus.currentlyAvailable)).size).toBe(1);
    const probe = await gateway.post('{ topProducts(first: 1) { upc } }');
    const spent = capacity - probe.body.extensions.cost.throttleStatus.currentlyAvailable;
    expect(spent).toBeCloseTo(estimate + probe.body.extensions.cost.actualQueryCost, 1);
  });
});

describe('request-count limits over WebSocket', () => {
  it('count every operation of a connection, not only its connection_init; a refusal ends the operation, not the socket', async () => {
    const gateway = await gatewayWith({
      config: {
        rateLimit: { anonymous: { max: 4, window: '1m' } },
        auth: { apiKeys: { keys: { app: { hash: hashApiKey('app-key'), clientId: 'app' } } } },
      },
    });
    // One connection for all (a lazy client closes its socket when nothing is open, and reconnects).
    let connections = 0;
    const client = wsClient(gateway.url, { lazyCloseTimeout: 60_000, on: { connected: () => void (connections += 1) } });
    // connection_init takes one request from the address's 4; three operations take the rest.
    for (let i = 0; i < 3; i += 1) {
      const { events, ended } = collect(client, '{ __typename }');
      expect(await ended).toEqual({});
      expect(events).toEqual([{ data: { __typename: 'Query' } }]);
    }
    for (const query of ['{ __typename }', SUBSCRIPTION]) {
      const { events, ended } = collect(client, query);
      const { error } = await ended;
      expect(events).toEqual([]);
      expect(error).toEqual([expect.objectContaining({ message: expect.stringContaining('rate limited'), extensions: expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) }) })]);
    }
    expect(reviews().subscribers()).toBe(0);
    expect(connections).toBe(1);
    // A client with a principal is not counted, on the same address.
    const keyed = wsClient(gateway.url, { lazyCloseTimeout: 60_000, connectionParams: { apiKey: 'app-key' } });
    for (let i = 0; i < 6; i += 1) {
      const { events } = collect(keyed, '{ __typename }');
      await until(() => events.length === 1, 'the answer');
      expect(events[0]).toEqual({ data: { __typename: 'Query' } });
    }
  });
});

describe('onSubgraphFetch done-hooks on subscription events', () => {
  it('run for every upstream event and may replace it', async () => {
    const seen: string[] = [];
    const plugin: AtriumPlugin = {
      name: 'event-watcher',
      onSubgraphFetch({ request }) {
        if (request.operationKind !== 'subscription') return;
        return ({ response, setResponse }) => {
          const review = (response?.body.data as { reviewAdded?: { body: string } } | undefined)?.reviewAdded;
          if (!review || !response) return;
          seen.push(review.body);
          setResponse({ ...response, body: { data: { reviewAdded: { ...review, body: review.body.toUpperCase() } } } });
        };
      },
    };
    const gateway = await gatewayWith({ plugins: [plugin], withBuiltInPlugins: true });
    await until(() => reviews().subscribers() === 0, 'no upstream subscription');
    const { events } = collect(wsClient(gateway.url));
    await until(() => reviews().subscribers() === 1, 'the upstream subscription');
    await addReview(gateway, 'quiet');
    await addReview(gateway, 'louder');
    await until(() => events.length === 2, 'two events');
    expect(seen).toEqual(['quiet', 'louder']);
    expect(events.map((event) => event.data.reviewAdded.body)).toEqual(['QUIET', 'LOUDER']);
    expect(events[0].data.reviewAdded.item.name).toEqual(expect.any(String));
  });
});

describe('WebSocket message size', () => {
  it('follows server.bodyLimit instead of a fixed 1 MiB', async () => {
    // A subscribe message of about 1.5 MiB: within a 2mb bodyLimit, over a 64kb one.
    const padded = `${SUBSCRIPTION} # ${'x'.repeat(1_500_000)}`;
    const large = await gatewayWith({ config: { server: { bodyLimit: '2mb' } } });
    const accepted = collect(wsClient(large.url), padded);
    await until(() => reviews().subscribers() === 1, 'the upstream subscription of the large message');
    await addReview(large, 'large message');
    await until(() => accepted.events.length === 1, 'one event');

    const small = await gatewayWith({ config: { server: { bodyLimit: '64kb' } } });
    const refused = collect(wsClient(small.url), `${SUBSCRIPTION} # ${'x'.repeat(100_000)}`);
    const { error } = await refused.ended;
    expect(error).toMatchObject({ code: 1009 });
  });
});

describe('subscriptions.enabled: false', () => {
  it('answers 400 SUBSCRIPTIONS_NOT_SUPPORTED on WebSocket, SSE and multipart', async () => {
    const gateway = await gatewayWith({ config: { subscriptions: { enabled: false } } });
    const upgrade = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.on('open', () => reject(new Error('the upgrade was accepted')));
      socket.on('error', () => undefined);
    });
    expect(upgrade.status).toBe(400);
    expect(JSON.parse(upgrade.body).errors[0].extensions.code).toBe('SUBSCRIPTIONS_NOT_SUPPORTED');
    for (const accept of ['text/event-stream', 'multipart/mixed;subscriptionSpec=1.0,application/json']) {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query: SUBSCRIPTION }) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('SUBSCRIPTIONS_NOT_SUPPORTED');
    }
  });
});
