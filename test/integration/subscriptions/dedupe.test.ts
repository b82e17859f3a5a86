import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { resetDemoData, startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect, until, wsClient } from '../../helpers/subscription-clients.js';

// Upstream sharing (traffic.*.dedupeSubscriptions): identical subscriptions from many clients share one
// subgraph subscription over the real gateway and the real reviews subgraph, which counts what it serves.

const SUBSCRIPTION = 'subscription { reviewAdded { id body item { upc name } } }';
const ADD_REVIEW = 'mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }';

const API_KEY = 'dedupe-test-key-0123456789abcdef';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;
/** Authorization enforced (filter mode), an API key, and no identity headers toward subgraphs. */
let guarded: DemoGateway;
const clients: Client[] = [];
const lines: string[] = [];

const reviewSubscribers = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!.subscribers();
const metrics = async () => (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();

async function addReview(body: string): Promise<string> {
  const response = await gateway.post(ADD_REVIEW, { body });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addReview.id as string;
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({
    subgraphs,
    config: { metrics: { enabled: true }, log: { accessLog: { enabled: true } } },
    logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
  });
  guarded = await startDemoGateway({
    subgraphs,
    config: {
      metrics: { enabled: true },
      authorization: { mode: 'filter' },
      auth: {
        apiKeys: { keys: { member: { hash: hashApiKey(API_KEY), clientId: 'member' } } },
        identityHeaders: { subject: '', scopes: '', clientId: '' },
      },
    },
  });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gateway?.close();
  await guarded?.close();
  await subgraphs?.close();
  resetDemoData();
});

describe('identical subscriptions share one upstream subscription', () => {
  it('serves 20 clients from 1 subgraph subscription, every client gets every event, and the last to leave closes it', async () => {
    const streams = Array.from({ length: 20 }, () => collect(wsClient(gateway.url, clients), SUBSCRIPTION));
    await until(async () => /atrium_subscriptions_open\{transport="websocket"\} 20\b/.test(await metrics()), 'twenty open subscriptions');
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    expect(await metrics()).toMatch(/atrium_subgraph_subscriptions_open\{subgraph="reviews"\} 1\b/);

    const ids = [await addReview('shared one'), await addReview('shared two')];
    await until(() => streams.every((s) => s.events.length === 2), 'two events on every client');
    for (const stream of streams) {
      expect(stream.events.map((e) => e.data.reviewAdded.id)).toEqual(ids);
      // Completed per client: the products fields were fetched for each copy of the event.
      expect(stream.events[0].data.reviewAdded.item).toEqual({ upc: '1001', name: expect.any(String) });
    }
    const text = await metrics();
    expect(text).toMatch(/atrium_subgraph_subscription_events_total\{subgraph="reviews"\} 2\b/);
    expect(text).toMatch(/atrium_subscription_events_total\{transport="websocket"\} 40\b/);

    // Leaving one by one: the upstream stays while any client is left.
    for (const stream of streams.slice(0, 19)) stream.unsubscribe();
    await until(async () => /atrium_subscriptions_open\{transport="websocket"\} 1\b/.test(await metrics()), 'one client left');
    expect(reviewSubscribers()).toBe(1);
    streams[19]!.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the shared upstream subscription to close');
    expect(await metrics()).toMatch(/atrium_subgraph_subscriptions_open\{subgraph="reviews"\} 0\b/);
  });

  it('logs one access line per subscription when it closes', async () => {
    const stream = collect(wsClient(gateway.url, clients), 'subscription Watch { reviewAdded { id } }');
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    await addReview('logged');
    await until(() => stream.events.length === 1, 'one event');
    stream.unsubscribe();
    await until(() => lines.some((line) => line.includes('"operationName":"Watch"')), 'the close line');
    const line = JSON.parse(lines.find((l) => l.includes('"operationName":"Watch"'))!);
    expect(line).toMatchObject({ msg: 'subscription: closed', transport: 'websocket', operationType: 'subscription', events: 1, end: 'client' });
    expect(line.durationMs).toEqual(expect.any(Number));
  });

  it('shares between principals with the same rights, and authorizes every client on its own', async () => {
    const guardedMetrics = async () => (await fetch(guarded.url.replace('/graphql', '/metrics'))).text();
    // Same rights (no protected field), no identity headers forwarded: one upstream for both principals.
    const plain = 'subscription { reviewAdded { id author { name } } }';
    const member = collect(wsClient(guarded.url, clients, { connectionParams: { apiKey: API_KEY } }), plain);
    const anonymous = collect(wsClient(guarded.url, clients), plain);
    await until(async () => /atrium_subscriptions_open\{transport="websocket"\} 2\b/.test(await guardedMetrics()), 'both subscriptions');
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    expect(await guardedMetrics()).toMatch(/atrium_subgraph_subscriptions_open\{subgraph="reviews"\} 1\b/);

    // A protected field (User.email, @authenticated): each client's event is filtered for that client.
    const email = 'subscription { reviewAdded { id author { name email } } }';
    const memberEmail = collect(wsClient(guarded.url, clients, { connectionParams: { apiKey: API_KEY } }), email);
    const anonymousEmail = collect(wsClient(guarded.url, clients), email);
    await until(async () => /atrium_subscriptions_open\{transport="websocket"\} 4\b/.test(await guardedMetrics()), 'four subscriptions');
    // The member's operation asks reviews the same as the plain ones and joins their upstream; the
    // anonymous one, filtered, asks reviews something else and gets its own.
    await until(() => reviewSubscribers() === 2, 'the upstream subscriptions');
    expect(await guardedMetrics()).toMatch(/atrium_subgraph_subscriptions_open\{subgraph="reviews"\} 2\b/);
    const id = await addReview('authorized per client');
    await until(() => [member, anonymous, memberEmail, anonymousEmail].every((s) => s.events.length === 1), 'the event on every client');
    for (const stream of [member, anonymous]) expect(stream.events[0]).toEqual({ data: { reviewAdded: { id, author: { name: expect.any(String) } } } });
    expect(memberEmail.events[0]).toEqual({ data: { reviewAdded: { id, author: { name: expect.any(String), email: expect.stringContaining('@') } } } });
    // email is String!: its null takes the (nullable) author with it.
    expect(anonymousEmail.events[0].data.reviewAdded).toEqual({ id, author: null });
    expect(anonymousEmail.events[0].errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
    for (const stream of [member, anonymous, memberEmail, anonymousEmail]) stream.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the upstream subscriptions to close');
  });

  it('does not share subscriptions whose variables differ', async () => {
    const query = 'subscription($rating: Boolean!) { reviewAdded { id rating @include(if: $rating) } }';
    const a = collect(wsClient(gateway.url, clients), query, { rating: true });
    const b = collect(wsClient(gateway.url, clients), query, { rating: false });
    await until(() => reviewSubscribers() === 2, 'two upstream subscriptions');
    a.unsubscribe();
    b.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'both to close');
  });
});

