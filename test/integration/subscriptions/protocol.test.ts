import { type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetDemoData, startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect, until, wsClient, wsUrl } from '../../helpers/subscription-clients.js';

// The gateway's graphql-transport-ws server (gateway/server/subscriptions/graphql-ws-server.ts) against the
// protocol (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md). What a well-behaved client
// does goes through graphql-ws's own client; what only a misbehaving client does (a bad message, a second
// connection_init, a reused id) is sent as raw frames over `ws`, since no GraphQL client sends those.

const SUBSCRIPTION = 'subscription { reviewAdded { id body } }';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;
const clients: Client[] = [];
const sockets: WebSocket[] = [];

const reviewSubscribers = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!.subscribers();

/** A raw graphql-transport-ws socket: every message it gets, and how it closed. */
async function rawSocket(): Promise<{ socket: WebSocket; messages: any[]; closed: Promise<{ code: number; reason: string }>; send(message: unknown): void }> {
  const socket = new WebSocket(wsUrl(gateway.url), 'graphql-transport-ws');
  sockets.push(socket);
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, messages, closed, send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)) };
}

/** A raw socket that sent connection_init and got its acknowledgement. */
async function acknowledgedSocket() {
  const raw = await rawSocket();
  raw.send({ type: 'connection_init' });
  await until(() => raw.messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return raw;
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  gateway = await startDemoGateway({ subgraphs, config: { subscriptions: { maxPerConnection: 5 }, traffic: { all: { dedupeSubscriptions: false } } } });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const socket of sockets) socket.terminate();
  await gateway?.close();
  await subgraphs?.close();
  resetDemoData();
});

describe('graphql-transport-ws, as graphql-ws clients use it', () => {
  it('answers a query over the socket with one next and a complete', async () => {
    const { events, ended } = collect(wsClient(gateway.url, clients), '{ topProducts(first: 1) { upc } }');
    expect(await ended).toEqual({});
    expect(events).toEqual([{ data: { topProducts: [{ upc: expect.any(String) }] } }]);
  });

  it('answers an invalid operation with an error message, and the connection serves the next one', async () => {
    const client = wsClient(gateway.url, clients);
    const bad = collect(client, '{ nope }');
    const { error } = await bad.ended;
    expect(error).toEqual([expect.objectContaining({ message: expect.stringContaining('nope'), extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
    const good = collect(client, '{ topProducts(first: 1) { upc } }');
    expect(await good.ended).toEqual({});
    expect(good.events).toHaveLength(1);
  });

  it('answers ping with pong, with the payload when there is one', async () => {
    const raw = await acknowledgedSocket();
    raw.send({ type: 'ping' });
    raw.send({ type: 'ping', payload: { n: 1 } });
    await until(() => raw.messages.filter((m) => m.type === 'pong').length === 2, 'two pongs');
    expect(raw.messages.filter((m) => m.type === 'pong')).toEqual([{ type: 'pong' }, { type: 'pong', payload: { n: 1 } }]);
  });

  it('sends nothing more for an operation the client completed, and closes its upstream subscription', async () => {
    const raw = await acknowledgedSocket();
    raw.send({ id: 'a', type: 'subscribe', payload: { query: SUBSCRIPTION } });
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    raw.send({ id: 'a', type: 'complete' });
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
    // The id is free again once completed.
    raw.send({ id: 'a', type: 'subscribe', payload: { query: '{ topProducts(first: 1) { upc } }' } });
    await until(() => raw.messages.some((m) => m.id === 'a' && m.type === 'complete'), 'the query to complete');
    expect(raw.messages.filter((m) => m.id === 'a').map((m) => m.type)).toEqual(['next', 'complete']);
  });

  it('keeps several operations of one connection apart by id', async () => {
    const raw = await acknowledgedSocket();
    raw.send({ id: 'one', type: 'subscribe', payload: { query: '{ topProducts(first: 1) { upc } }' } });
    raw.send({ id: 'two', type: 'subscribe', payload: { query: '{ topProducts(first: 2) { upc } }' } });
    await until(() => raw.messages.filter((m) => m.type === 'complete').length === 2, 'both to complete');
    expect(raw.messages.find((m) => m.id === 'one' && m.type === 'next').payload.data.topProducts).toHaveLength(1);
    expect(raw.messages.find((m) => m.id === 'two' && m.type === 'next').payload.data.topProducts).toHaveLength(2);
  });
});

describe('graphql-transport-ws, what misbehaving clients get', () => {
  it('closes with 4400 on a message that is not JSON or not a protocol message', async () => {
    for (const message of ['not json', '{"type":"nonsense"}', '{"id":"","type":"subscribe","payload":{"query":"{ __typename }"}}', '{"type":"next","id":"1","payload":{}}']) {
      const raw = await acknowledgedSocket();
      raw.send(message);
      expect((await raw.closed).code).toBe(4400);
    }
  });

  it('closes with 4401 on subscribe before the acknowledgement', async () => {
    const raw = await rawSocket();
    raw.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await raw.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('closes with 4429 on a second connection_init', async () => {
    const raw = await acknowledgedSocket();
    raw.send({ type: 'connection_init' });
    expect(await raw.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('closes with 4409 on a subscribe whose id is in use, and closes the upstream subscription', async () => {
    const raw = await acknowledgedSocket();
    raw.send({ id: 'same', type: 'subscribe', payload: { query: SUBSCRIPTION } });
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    raw.send({ id: 'same', type: 'subscribe', payload: { query: SUBSCRIPTION } });
    expect(await raw.closed).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('closes with 4409 however long the reused id, its reason cut to the 123 bytes a close frame holds, and keeps serving', async () => {
    // A close reason over 123 bytes made `ws` throw inside the message listener, which killed the server
    // thread: every client dropped, in-memory budgets reset.
    for (const id of ['x'.repeat(94), 'y'.repeat(100_000), 'é'.repeat(100)]) {
      const raw = await acknowledgedSocket();
      raw.send({ id, type: 'subscribe', payload: { query: SUBSCRIPTION } });
      raw.send({ id, type: 'subscribe', payload: { query: SUBSCRIPTION } });
      const { code, reason } = await raw.closed;
      expect(code).toBe(4409);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(reason.startsWith(`Subscriber for ${id.slice(0, 10)}`)).toBe(true);
    }
    await until(() => reviewSubscribers() === 0, 'the upstream subscriptions to close');
    const { status, body } = await gateway.post('{ topProducts(first: 1) { upc } }');
    expect({ status, data: body.data }).toEqual({ status: 200, data: { topProducts: [{ upc: expect.any(String) }] } });
  });
});
