import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetDemoData, startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect, until, wsClient, wsUrl } from '../../helpers/subscription-clients.js';

// The subscription limits through the real gateway with real graphql-ws clients: subscriptions per client
// (subscriptions.maxPerClient), streaming connections per address (maxConnectionsPerAddress), the event
// size bound (maxEventBytes), the idle timeout of a WebSocket without operations (idleTimeout) and the wait
// for connection_init (connectionInitTimeout).

const ADD_REVIEW = 'mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }';

let subgraphs: DemoSubgraphs;
let limited: DemoGateway;
let idle: DemoGateway;
const clients: Client[] = [];

const reviewSubscribers = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!.subscribers();

/** Opens a raw WebSocket upgrade with the graphql-transport-ws subprotocol: the HTTP status it got. */
function upgradeStatus(url: string): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  limited = await startDemoGateway({
    subgraphs,
    config: {
      subscriptions: { maxPerClient: 3, maxConnectionsPerAddress: 3, maxEventBytes: 1024 },
      traffic: { all: { dedupeSubscriptions: false } },
    },
  });
  idle = await startDemoGateway({ subgraphs, config: { subscriptions: { idleTimeout: '300ms', connectionInitTimeout: '200ms' } } });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await limited?.close();
  await idle?.close();
  await subgraphs?.close();
  resetDemoData();
});

describe('subscriptions.maxPerClient', () => {
  it('refuses one subscription more than the client (here: its address) may hold, over any connection', async () => {
    const first = wsClient(limited.url, clients);
    const open = [collect(first, 'subscription { reviewAdded { id } }'), collect(first, 'subscription { reviewAdded { id } }')];
    const second = wsClient(limited.url, clients);
    open.push(collect(second, 'subscription { reviewAdded { id } }'));
    await until(() => reviewSubscribers() === 3, 'three upstream subscriptions');
    const extra = collect(second, 'subscription { reviewAdded { id } }');
    await extra.ended;
    expect(extra.events).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })] }]);

    // Over multipart HTTP the refusal is a 429 before the stream starts.
    const response = await fetch(limited.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0,application/json' },
      body: JSON.stringify({ query: 'subscription { reviewAdded { id } }' }),
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');

    // A slot given back is free again.
    open[0]!.unsubscribe();
    await until(() => reviewSubscribers() === 2, 'one subscription to close');
    const again = collect(second, 'subscription { reviewAdded { id } }');
    await until(() => reviewSubscribers() === 3, 'the new subscription');
    for (const stream of [...open, again]) stream.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'every subscription to close');
  });
});

describe('subscriptions.maxConnectionsPerAddress', () => {
  it('refuses the WebSocket upgrade over the limit with 429 TOO_MANY_CONNECTIONS, and SSE too', async () => {
    const connected: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      const client = wsClient(limited.url, clients, { lazy: false });
      connected.push(new Promise((resolve) => client.on('connected', () => resolve())));
    }
    await Promise.all(connected);
    const refused = await upgradeStatus(limited.url);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('TOO_MANY_CONNECTIONS');
    const sse = await fetch(limited.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { reviewAdded { id } }' }),
    });
    expect(sse.status).toBe(429);
    for (const client of clients.splice(0)) await client.dispose();
    await until(async () => (await upgradeStatus(limited.url)).status === 101, 'a connection slot to be free again');
  });
});

describe('subscriptions.maxEventBytes', () => {
  it('ends the subscription whose event is too large with SUBSCRIPTION_EVENT_TOO_LARGE; the others go on', async () => {
    const client = wsClient(limited.url, clients);
    const small = collect(client, 'subscription { reviewAdded { id } }');
    const large = collect(client, 'subscription { reviewAdded { id body } }');
    await until(() => reviewSubscribers() === 2, 'two upstream subscriptions');
    await limited.post(ADD_REVIEW, { body: 'x'.repeat(2048) });
    const outcome = await large.ended;
    expect(outcome.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBSCRIPTION_EVENT_TOO_LARGE', max: 1024 }) })]);
    await until(() => small.events.length === 1, 'the small event');
    await until(() => reviewSubscribers() === 1, 'the large subscription upstream to close');
    await limited.post(ADD_REVIEW, { body: 'short' });
    await until(() => small.events.length === 2, 'the small subscription to go on');
    small.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'every subscription to close');
  });
});

describe('subscriptions.idleTimeout', () => {
  it('closes a WebSocket connection with no operation with 1000 IDLE_TIMEOUT, and not one with a subscription', async () => {
    let closed: { code: number; reason: string } | undefined;
    const idleClient = wsClient(idle.url, clients, { lazy: false, onClosed: (event) => (closed = event as { code: number; reason: string }) });
    const busy = collect(wsClient(idle.url, clients), 'subscription { reviewAdded { id } }');
    await until(() => closed !== undefined, 'the idle connection to close');
    expect(closed).toMatchObject({ code: 1000 });
    expect(closed!.reason).toMatch(/^IDLE_TIMEOUT/);
    void idleClient;
    // The subscribed connection stayed: it still gets events.
    await until(() => reviewSubscribers() === 1, 'the busy upstream subscription');
    await idle.post(ADD_REVIEW, { body: 'still here' });
    await until(() => busy.events.length === 1, 'an event on the busy connection');
    busy.unsubscribe();
  });
});

describe('subscriptions.connectionInitTimeout', () => {
  it('closes a WebSocket that never sends connection_init with 4408, and keeps one that did', async () => {
    const silent = new WebSocket(wsUrl(idle.url), 'graphql-transport-ws');
    silent.on('error', () => {});
    const closed = new Promise<{ code: number; reason: string }>((resolve) => silent.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    const busy = collect(wsClient(idle.url, clients), 'subscription { reviewAdded { id } }');
    expect(await closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    await until(() => reviewSubscribers() === 1, 'the busy upstream subscription');
    await idle.post(ADD_REVIEW, { body: 'after the init wait' });
    await until(() => busy.events.length === 1, 'an event on the initialised connection');
    busy.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'every subscription to close');
  });
});
