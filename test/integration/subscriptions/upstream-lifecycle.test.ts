import { readFile, writeFile } from 'node:fs/promises';
import { createClient as createSseClient } from 'graphql-sse';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetDemoData, type RunningSubgraph, startDemoSubgraphs, startSubgraph } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { nextReload } from '../../helpers/editable-supergraph.js';
import { collect, until, wsClient } from '../../helpers/subscription-clients.js';

// What happens to running subscriptions when their subgraph goes away and comes back
// (subscriptions.upstreamReconnect) and when the supergraph is reloaded (subscriptions.reloadGrace),
// through the real gateway and the real demo subgraphs.

const SUBSCRIPTION = 'subscription { reviewAdded { id body item { name } } }';
const ADD_REVIEW = 'mutation($body: String!) { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: $body }) { id } }';

let subgraphs: DemoSubgraphs;
const clients: Client[] = [];
const gateways: DemoGateway[] = [];
let restarted: RunningSubgraph | undefined;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const gateway of gateways) await gateway.close();
  await restarted?.close();
  await subgraphs?.close();
  resetDemoData();
});

async function gatewayWith(subscriptions: Record<string, unknown>): Promise<DemoGateway> {
  // One upstream subscription per client, so the tests can see each client's subscribed.
  const traffic = { all: { dedupeSubscriptions: false } };
  const gateway = await startDemoGateway({ subgraphs, config: { subscriptions, traffic, reload: { debounce: '50ms' } } });
  gateways.push(gateway);
  return gateway;
}

describe('subscriptions.upstreamReconnect', () => {
  it('subscribes again when the subgraph comes back, and the client keeps its subscription', async () => {
    const gateway = await gatewayWith({ upstreamReconnect: { attempts: 20, delay: '100ms' } });
    const reviews = subgraphs.subgraphs.find((s) => s.name === 'reviews')!;
    const port = Number(new URL(reviews.url).port);
    const stream = collect(wsClient(gateway.url, clients), SUBSCRIPTION);
    await until(() => reviews.subscribers() === 1, 'the upstream subscription');
    await reviews.close();
    restarted = await startSubgraph('reviews', { port, host: '127.0.0.1' });
    await until(() => restarted!.subscribers() === 1, 'the gateway to subscribe again');
    const id = (await gateway.post(ADD_REVIEW, { body: 'after the restart' })).body.data.addReview.id;
    await until(() => stream.events.length === 1, 'an event after the reconnect');
    expect(stream.events[0].data.reviewAdded).toMatchObject({ id, body: 'after the restart', item: { name: expect.any(String) } });
    stream.unsubscribe();
    await until(() => restarted!.subscribers() === 0, 'the upstream subscription to close');
  });
});

describe('subscriptions.reloadGrace', () => {
  it('keeps subscriptions on the old supergraph through a reload without a grace', async () => {
    const gateway = await gatewayWith({});
    const reviews = restarted ?? subgraphs.subgraphs.find((s) => s.name === 'reviews')!;
    const stream = collect(wsClient(gateway.url, clients), SUBSCRIPTION);
    await until(() => reviews.subscribers() === 1, 'the upstream subscription');
    const reloaded = nextReload(gateway.gateway.supergraph);
    await touchSupergraph(gateway);
    expect((await reloaded).kind).toBe('swapped');
    await gateway.post(ADD_REVIEW, { body: 'after the reload' });
    await until(() => stream.events.length === 1, 'an event on the old supergraph');
    stream.unsubscribe();
    await until(() => reviews.subscribers() === 0, 'the upstream subscription to close');
  });

  it('after the grace closes WebSockets with 1012, ends SSE without complete and multipart with SUPERGRAPH_CHANGED', async () => {
    const gateway = await gatewayWith({ reloadGrace: '100ms' });
    const reviews = restarted ?? subgraphs.subgraphs.find((s) => s.name === 'reviews')!;
    const ws = collect(wsClient(gateway.url, clients), SUBSCRIPTION);
    const sseClient = createSseClient({ url: gateway.url, retryAttempts: 0 });
    const sse = collect(sseClient, SUBSCRIPTION);
    const multipart = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0,application/json' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    await until(() => reviews.subscribers() === 3, 'three upstream subscriptions');
    const reloaded = nextReload(gateway.gateway.supergraph);
    await touchSupergraph(gateway);
    expect((await reloaded).kind).toBe('swapped');
    expect((await ws.ended).error).toMatchObject({ code: 1012 });
    // graphql-sse reports a stream that ends without `complete` as an error (it would reconnect).
    expect((await sse.ended).error).toBeDefined();
    const body = await multipart.text();
    expect(body).toContain('SUPERGRAPH_CHANGED');
    expect(body.trimEnd().endsWith('--graphql--')).toBe(true);
    sseClient.dispose();
    await until(() => reviews.subscribers() === 0, 'the upstream subscriptions to close');
    // A new subscription runs on the new supergraph.
    const again = collect(wsClient(gateway.url, clients), SUBSCRIPTION);
    await until(() => reviews.subscribers() === 1, 'the new upstream subscription');
    again.unsubscribe();
  });
});

/** Changes the supergraph (products' routing URL: 127.0.0.1 → localhost), so the gateway reloads. */
async function touchSupergraph(gateway: DemoGateway): Promise<void> {
  const text = await readFile(gateway.supergraphConfigPath, 'utf8');
  const products = subgraphs.urls.products!;
  const next = text.includes(products) ? text.replace(products, products.replace('127.0.0.1', 'localhost')) : text.replace(products.replace('127.0.0.1', 'localhost'), products);
  await writeFile(gateway.supergraphConfigPath, next);
}
