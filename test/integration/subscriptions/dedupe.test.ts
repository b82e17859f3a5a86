import { createClient as createSseClient } from 'graphql-sse';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { resetDemoData, startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect, until, wsClient } from '../../helpers/subscription-clients.js';

// Upstream sharing (traffic.*.dedupeSubscriptions): identical subscriptions from many clients share one
// subgraph subscription over the real gateway and the real reviews subgraph, which counts what it serves;
// and clients that would complete its events identically share each event's completion (complete once,
// send to many), counted in the entity fetches the real subgraphs receive. Neither gateway shares identical
// fetches in flight (traffic.all.dedupe), so that every completion's fetches reach the subgraphs.

const SUBSCRIPTION = 'subscription { reviewAdded { id body item { upc name } } }';
const ADD_REVIEW = 'mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }';

const API_KEY = 'dedupe-test-key-0123456789abcdef';
const OTHER_API_KEY = 'dedupe-other-key-0123456789abcdef';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;
/** Authorization enforced (filter mode), two API keys of different clients, no identity headers toward subgraphs. */
let guarded: DemoGateway;
const clients: Client[] = [];
const lines: string[] = [];

const subgraph = (name: string) => subgraphs.subgraphs.find((s) => s.name === name)!;
const reviewSubscribers = () => subgraph('reviews').subscribers();
/** Entity fetches a subgraph received since `from` (an index into its request log). */
const entityFetches = (name: string, from: number) => subgraph(name).requests.slice(from).filter((r) => r.query.includes('_entities')).length;
const openOn = async (target: DemoGateway, count: number) => {
  const text = await (await fetch(target.url.replace('/graphql', '/metrics'))).text();
  return new RegExp(`atrium_subscriptions_open\\{transport="websocket"\\} ${count}\\b`).test(text);
};
const metrics = async () => (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();

async function addReview(body: string, target = gateway): Promise<string> {
  const response = await target.post(ADD_REVIEW, { body });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addReview.id as string;
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({
    subgraphs,
    config: { metrics: { enabled: true }, log: { accessLog: { enabled: true } }, traffic: { all: { dedupe: false } } },
    logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
  });
  guarded = await startDemoGateway({
    subgraphs,
    config: {
      metrics: { enabled: true },
      traffic: { all: { dedupe: false } },
      authorization: { mode: 'filter' },
      auth: {
        apiKeys: { keys: { member: { hash: hashApiKey(API_KEY), clientId: 'member' }, other: { hash: hashApiKey(OTHER_API_KEY), clientId: 'other' } } },
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
      // Completed with the products fields (once for all twenty: shared-completion.test.ts counts it).
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

  it('sends a burst of shared events to 30 clients intact and in order, each subscription of a connection under its own id', async () => {
    // Each client holds two subscriptions on one connection (two groups): an event reaches both, each
    // spliced into a `next` message with that subscription's id, so a wrong id would swap the shapes.
    const pairs = Array.from({ length: 30 }, () => {
      const client = wsClient(gateway.url, clients);
      return { full: collect(client, SUBSCRIPTION), ids: collect(client, 'subscription { reviewAdded { id } }') };
    });
    await until(async () => /atrium_subscriptions_open\{transport="websocket"\} 60\b/.test(await metrics()), 'sixty open subscriptions');
    // Published events reach only upstream subscriptions that are up: one per group.
    await until(() => reviewSubscribers() === 2, 'the two upstream subscriptions');
    const bodies = Array.from({ length: 12 }, (_, i) => `burst ${i} "quoted" \u00e9 ${'y'.repeat(i * 300)}`);
    const published = await Promise.all(bodies.map((body) => addReview(body)));
    await until(() => pairs.every((p) => p.full.events.length === 12 && p.ids.events.length === 12), 'twelve events on every subscription');
    const order = pairs[0]!.full.events.map((e) => e.data.reviewAdded.id as string);
    expect([...order].sort()).toEqual([...published].sort());
    for (const { full, ids } of pairs) {
      expect(full.events.map((e) => e.data.reviewAdded.id)).toEqual(order);
      expect(ids.events).toEqual(order.map((id) => ({ data: { reviewAdded: { id } } })));
      for (const event of full.events) {
        expect(bodies).toContain(event.data.reviewAdded.body);
        expect(event.data.reviewAdded.item).toEqual({ upc: '1001', name: expect.any(String) });
      }
      full.unsubscribe();
      ids.unsubscribe();
    }
    await until(() => reviewSubscribers() === 0, 'the shared upstream subscriptions to close');
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

describe('clients on one stream share the completion of each event', () => {
  it('fetches the entities of each event once for 10 clients, and every client gets every event with them', async () => {
    const query = 'subscription { reviewAdded { id body item { upc name price } } }';
    const streams = Array.from({ length: 10 }, () => collect(wsClient(gateway.url, clients), query));
    await until(() => openOn(gateway, 10), 'ten open subscriptions');
    await until(() => subgraph('reviews').subscribers() === 1, 'the upstream subscription');
    const from = subgraph('products').requests.length;

    const ids = [await addReview('once one'), await addReview('once two'), await addReview('once three')];
    await until(() => streams.every((s) => s.events.length === 3), 'three events on every client');
    for (const stream of streams) {
      expect(stream.events.map((e) => e.data.reviewAdded.id)).toEqual(ids);
      for (const event of stream.events) expect(event.data.reviewAdded.item).toEqual({ upc: '1001', name: expect.any(String), price: expect.any(Number) });
    }
    // One entity fetch per event, not one per event per client (30).
    expect(entityFetches('products', from)).toBe(3);

    // A client that leaves does not end the others' events, nor their sharing.
    streams[0]!.unsubscribe();
    await until(() => openOn(gateway, 9), 'nine left');
    const next = subgraph('products').requests.length;
    const id = await addReview('once four');
    await until(() => streams.slice(1).every((s) => s.events.length === 4), 'the fourth event on the nine');
    for (const stream of streams.slice(1)) expect(stream.events[3].data.reviewAdded).toMatchObject({ id, item: { upc: '1001' } });
    expect(streams[0]!.events).toHaveLength(3);
    expect(entityFetches('products', next)).toBe(1);
    for (const stream of streams.slice(1)) stream.unsubscribe();
    await until(() => subgraph('reviews').subscribers() === 0, 'the upstream subscription to close');
  });

  it('gives clients with different rights on one stream their own filtered events, and shares only within one principal', async () => {
    // User.email is @authenticated: the members see it, the anonymous client gets it removed.
    const query = 'subscription { reviewAdded { id author { name email } } }';
    const member = collect(wsClient(guarded.url, clients, { connectionParams: { apiKey: API_KEY } }), query);
    const memberAgain = collect(wsClient(guarded.url, clients, { connectionParams: { apiKey: API_KEY } }), query);
    const other = collect(wsClient(guarded.url, clients, { connectionParams: { apiKey: OTHER_API_KEY } }), query);
    const anonymous = collect(wsClient(guarded.url, clients), query);
    await until(() => openOn(guarded, 4), 'four subscriptions');
    // An event published before the upstream subscriptions are up reaches nobody, and under load they can
    // come up after the clients' subscriptions are counted open: wait for both upstreams these four clients
    // make before publishing.
    await until(() => subgraph('reviews').subscribers() === 2, 'the two upstream subscriptions');
    const from = subgraph('accounts').requests.length;

    const id = await addReview('per rights', guarded);
    await until(() => [member, memberAgain, other, anonymous].every((s) => s.events.length === 1), 'the event on every client');
    for (const stream of [member, memberAgain, other]) {
      expect(stream.events[0]).toEqual({ data: { reviewAdded: { id, author: { name: expect.any(String), email: expect.stringContaining('@') } } } });
    }
    // email is String!: its null takes the (nullable) author with it; the anonymous client sees no email.
    expect(anonymous.events[0].data.reviewAdded).toEqual({ id, author: null });
    expect(anonymous.events[0].errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
    expect(JSON.stringify(anonymous.events)).not.toContain('@');
    // Three groups: the two connections of "member" share one completion; "other" and the anonymous
    // client (whose filtered operation asks accounts for the name only) complete their own: 3, not 4.
    expect(entityFetches('accounts', from)).toBe(3);
    const emailFetches = subgraph('accounts').requests.slice(from).filter((r) => r.query.includes('_entities') && r.query.includes('email')).length;
    expect(emailFetches).toBe(2);
    for (const stream of [member, memberAgain, other, anonymous]) stream.unsubscribe();
    await until(() => subgraph('reviews').subscribers() === 0, 'the upstream subscriptions to close');
  });

  it('serializes each shared event once for every SSE client, not once per client', async () => {
    const query = 'subscription { reviewAdded { id body } }';
    const events: unknown[][] = [[], [], []];
    const sse = events.map((received) => {
      const client = createSseClient({ url: gateway.url, retryAttempts: 0 });
      client.subscribe({ query }, { next: (event) => void received.push(event), error: () => {}, complete: () => {} });
      return client;
    });
    await until(() => subgraph('reviews').subscribers() === 1, 'the upstream subscription');
    // Watches (and calls through to) JSON.stringify for the shared event object: graphql-sse stringified it
    // once per client; the gateway serializes it once.
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const id = await addReview('serialized once');
      await until(() => events.every((received) => received.length === 1), 'the event on every SSE client');
      for (const received of events) expect(received[0]).toEqual({ data: { reviewAdded: { id, body: 'serialized once' } } });
      const ofTheEvent = stringify.mock.calls.filter(([value]) => (value as { data?: { reviewAdded?: { id?: string } } } | null)?.data?.reviewAdded?.id === id);
      expect(ofTheEvent).toHaveLength(1);
    } finally {
      stringify.mockRestore();
      for (const client of sse) client.dispose();
    }
    await until(() => subgraph('reviews').subscribers() === 0, 'the upstream subscription to close');
  });
});
