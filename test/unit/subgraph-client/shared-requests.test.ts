import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SubgraphRequest, SubgraphTransport } from '../../../gateway/subgraph-client/contracts.js';
import { createUndiciTransport } from '../../../gateway/subgraph-client/undici-transport.js';
import { ownAnswer } from '../../../gateway/subgraph-client/shared-answers.js';

// In-flight deduplication against a real HTTP server that holds every answer until the test releases
// it, so "in flight at the same time" is a fact of the test, not a matter of timing.
let server: Server;
let url: string;
const held: { body: string; res: ServerResponse; req: IncomingMessage }[] = [];
let arrived: () => void = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      held.push({ body, res, req });
      arrived();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  held.length = 0;
});

function untilHeld(count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (held.length >= count) resolve();
    };
    arrived = check;
    check();
  });
}

function releaseAll(): void {
  for (const { res } of held.splice(0)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { product: { upc: '1', name: 'Table' } } }));
  }
}

function query(operationKind: SubgraphRequest['operationKind'] = 'query', text = '{ product { upc name } }'): SubgraphRequest {
  return { subgraph: 'products', url, operationKind, body: { query: text }, headers: {} };
}

function transport(dedupe: boolean): SubgraphTransport {
  return createUndiciTransport({ dedupe: () => dedupe });
}

describe('in-flight deduplication', () => {
  it('sends one request for identical concurrent queries, and parses its answer once for all callers', async () => {
    const t = transport(true);
    const first = t.send(query(), new AbortController().signal);
    await untilHeld(1);
    const second = t.send(query(), new AbortController().signal);
    const third = t.send(query(), new AbortController().signal);
    releaseAll();
    const answers = await Promise.all([first, second, third]);
    expect(held).toHaveLength(0);
    expect(answers.map((a) => a.body.data)).toEqual([
      { product: { upc: '1', name: 'Table' } },
      { product: { upc: '1', name: 'Table' } },
      { product: { upc: '1', name: 'Table' } },
    ]);
    // Nobody writes into an answer (engine/answer-overlay.ts), so one parse serves every caller; a
    // caller that needs to write gets its own (ownAnswer).
    expect(answers[1]!.body).toBe(answers[0]!.body);
    expect(answers[2]!.body).toBe(answers[0]!.body);
    const own = ownAnswer(answers[1]!);
    expect(own.body).not.toBe(answers[0]!.body);
    expect(own.body).toEqual(answers[0]!.body);
    expect(ownAnswer(own)).toBe(own);
    await t.close();
  });

  it('counts the requests the subgraph really received', async () => {
    const t = transport(true);
    const calls = [t.send(query(), new AbortController().signal)];
    await untilHeld(1);
    calls.push(t.send(query(), new AbortController().signal), t.send(query('query', '{ other }'), new AbortController().signal));
    await untilHeld(2);
    expect(held.map((h) => JSON.parse(h.body).query)).toEqual(['{ product { upc name } }', '{ other }']);
    releaseAll();
    await Promise.all(calls);
    await t.close();
  });

  it('shares across different request ids and trace contexts, but not across other headers', async () => {
    const t = transport(true);
    const withHeaders = (headers: Record<string, string>): SubgraphRequest => ({ ...query(), headers });
    const traceparent = (span: string) => `00-4bf92f3577b34da6a3ce929d0e0e4736-${span}-01`;
    const calls = [t.send(withHeaders({ 'x-request-id': 'a', traceparent: traceparent('00f067aa0ba902b7'), authorization: 'one' }), new AbortController().signal)];
    await untilHeld(1);
    calls.push(
      t.send(withHeaders({ 'x-request-id': 'b', traceparent: traceparent('b7ad6b7169203331'), authorization: 'one' }), new AbortController().signal),
      t.send(withHeaders({ 'x-request-id': 'c', authorization: 'two' }), new AbortController().signal),
    );
    await untilHeld(2);
    expect(held.map((h) => [h.req.headers['x-request-id'], h.req.headers.authorization])).toEqual([
      ['a', 'one'],
      ['c', 'two'],
    ]);
    releaseAll();
    expect((await Promise.all(calls)).map((answer) => answer.status)).toEqual([200, 200, 200]);
    await t.close();
  });

  it('never shares a mutation', async () => {
    const t = transport(true);
    const calls = [t.send(query('mutation'), new AbortController().signal), t.send(query('mutation'), new AbortController().signal)];
    await untilHeld(2);
    releaseAll();
    await Promise.all(calls);
    await t.close();
  });

  it('sends every request when dedupe is off', async () => {
    const t = transport(false);
    const calls = [t.send(query(), new AbortController().signal), t.send(query(), new AbortController().signal)];
    await untilHeld(2);
    releaseAll();
    await Promise.all(calls);
    await t.close();
  });

  it('a waiter that aborts leaves alone: the others still get the answer', async () => {
    const t = transport(true);
    const leaving = new AbortController();
    const first = t.send(query(), leaving.signal);
    await untilHeld(1);
    const second = t.send(query(), new AbortController().signal);
    leaving.abort(new Error('client went away'));
    await expect(first).rejects.toThrow('client went away');
    releaseAll();
    expect((await second).body.data).toEqual({ product: { upc: '1', name: 'Table' } });
    await t.close();
  });

  it('aborts the shared request once every waiter has left, and a new caller starts afresh', async () => {
    const t = transport(true);
    const a = new AbortController();
    const b = new AbortController();
    const first = t.send(query(), a.signal);
    await untilHeld(1);
    const second = t.send(query(), b.signal);
    const closed = new Promise((resolve) => held[0]!.req.socket.once('close', resolve));
    a.abort(new Error('timeout a'));
    b.abort(new Error('timeout b'));
    await expect(first).rejects.toThrow('timeout a');
    await expect(second).rejects.toThrow('timeout b');
    await closed;
    held.length = 0;
    const fresh = t.send(query(), new AbortController().signal);
    await untilHeld(1);
    releaseAll();
    expect((await fresh).status).toBe(200);
    await t.close();
  });
});
