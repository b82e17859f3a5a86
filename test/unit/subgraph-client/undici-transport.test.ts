import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AtriumError } from '../../../gateway/errors.js';
import type { SubgraphRequest, SubgraphTransport } from '../../../gateway/subgraph-client/contracts.js';
import { createUndiciTransport } from '../../../gateway/subgraph-client/undici-transport.js';
import { expectAtriumError } from '../../helpers/expect-atrium-error.js';

/** A fake subgraph whose behaviour is chosen by the request path. */
const routes: Record<string, (res: ServerResponse, socket: Socket) => void> = {
  '/ok': (res) => json(res, 200, '{"data":{"hello":"world"}}'),
  '/graphql-error-500': (res) => json(res, 500, '{"errors":[{"message":"boom"}]}'),
  '/html-500': (res) => {
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end('<html><body>Internal Server Error</body></html>');
  },
  '/truncated': (res) => json(res, 200, '{"data":{"hello":"wor'),
  '/array': (res) => json(res, 200, '[1,2,3]'),
  '/no-data-no-errors': (res) => json(res, 200, '{"extensions":{}}'),
  '/big': (res) => json(res, 200, JSON.stringify({ data: { blob: 'x'.repeat(4096) } })),
  // Chunked and never ending: only a transport that aborts while streaming ever settles.
  '/endless': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":{"blob":"');
    const chunk = 'x'.repeat(512);
    const more = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', more);
    };
    more();
  },
  // Announces 100 MB, sends a few bytes and stalls: only the content-length check settles the fetch.
  '/declared-huge': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) });
    res.write('{"data":');
  },
  '/hang': (_res, socket) => {
    hanging = socket;
  },
  '/reset': (_res, socket) => socket.destroy(),
};

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

let server: Server;
let base: string;
let connections = 0;
/** The server side of the socket a `/hang` request arrived on. */
let hanging: Socket | undefined;
const received: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      routes[req.url ?? '']?.(res, req.socket);
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let transport: SubgraphTransport;
afterEach(async () => {
  await transport?.close();
});

function request(path: string, headers: Record<string, string> = {}): SubgraphRequest {
  return {
    subgraph: 'products',
    url: base + path,
    operationKind: 'query',
    body: { query: '{ hello }', variables: { id: 1 } },
    headers,
  };
}

function expectSubgraphError(error: AtriumError, code: string, url: string): void {
  expect(error.code).toBe(code);
  expect(error.message).toContain('"products"');
  expect(error.message).not.toContain(url);
  expect(error.message).not.toContain('127.0.0.1');
  expect(error.extensions).toEqual({ serviceName: 'products' });
  expect((error.cause as Error).message).toContain(url);
}

describe('createUndiciTransport', () => {
  it('posts JSON with the GraphQL accept header and returns the parsed answer', async () => {
    transport = createUndiciTransport();
    received.length = 0;
    const response = await transport.send(request('/ok', { authorization: 'Bearer t' }), new AbortController().signal);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { hello: 'world' } });
    expect(response.headers['content-type']).toBe('application/json');
    const [sent] = received;
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.headers.accept).toBe('application/graphql-response+json, application/json');
    expect(sent!.headers.authorization).toBe('Bearer t');
    expect(JSON.parse(sent!.body)).toEqual({ query: '{ hello }', variables: { id: 1 } });
  });

  it('ignores framing headers a forwarding rule copied from the client', async () => {
    transport = createUndiciTransport();
    received.length = 0;
    const headers = { 'content-length': '1', connection: 'close', 'content-type': 'text/plain', 'x-tenant': 'a' };
    const response = await transport.send(request('/ok', headers), new AbortController().signal);
    expect(response.status).toBe(200);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['x-tenant']).toBe('a');
  });

  it('returns a non-2xx answer that carries a GraphQL body, status kept', async () => {
    transport = createUndiciTransport();
    const response = await transport.send(request('/graphql-error-500'), new AbortController().signal);
    expect(response.status).toBe(500);
    expect(response.body.errors).toEqual([{ message: 'boom' }]);
  });

  it('rejects an HTML body with SUBGRAPH_BAD_RESPONSE naming the status', async () => {
    transport = createUndiciTransport();
    const error = await expectAtriumError(transport.send(request('/html-500'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_BAD_RESPONSE', `${base}/html-500`);
    expect(error.message).toBe('subgraph "products" answered HTTP 500 with a body that is not JSON');
  });

  it('rejects truncated JSON with SUBGRAPH_BAD_RESPONSE', async () => {
    transport = createUndiciTransport();
    const error = await expectAtriumError(transport.send(request('/truncated'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_BAD_RESPONSE', `${base}/truncated`);
  });

  it.each(['/array', '/no-data-no-errors'])('rejects JSON that is not a GraphQL response (%s)', async (path) => {
    transport = createUndiciTransport();
    const error = await expectAtriumError(transport.send(request(path), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_BAD_RESPONSE', base + path);
    expect(error.message).toContain('not a GraphQL response');
  });

  it('rejects a body over the subgraph\'s size cap with SUBGRAPH_RESPONSE_TOO_LARGE', async () => {
    transport = createUndiciTransport({ maxResponseBytes: (subgraph) => (subgraph === 'products' ? 1024 : 1 << 20) });
    const error = await expectAtriumError(transport.send(request('/big'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_RESPONSE_TOO_LARGE', `${base}/big`);
    expect(error.message).toContain('larger than 1024 bytes');
  });

  it('refuses from the content-length alone, before the body arrives', async () => {
    transport = createUndiciTransport({ maxResponseBytes: () => 1024 });
    const error = await expectAtriumError(transport.send(request('/declared-huge'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_RESPONSE_TOO_LARGE', `${base}/declared-huge`);
    expect(error.message).toContain('larger than 1024 bytes (content-length 104857600)');
  });

  it('aborts a body without content-length as soon as it passes the cap', async () => {
    transport = createUndiciTransport({ maxResponseBytes: () => 1024 });
    const error = await expectAtriumError(transport.send(request('/endless'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_RESPONSE_TOO_LARGE', `${base}/endless`);
    expect(error.message).toMatch(/larger than 1024 bytes; traffic\.all\.maxResponseSize or traffic\.subgraphs\.products\.maxResponseSize$/);
  });

  it('accepts a body within another subgraph\'s larger cap', async () => {
    transport = createUndiciTransport({ maxResponseBytes: (subgraph) => (subgraph === 'products' ? 1 << 20 : 1024) });
    const response = await transport.send(request('/big'), new AbortController().signal);
    expect((response.body.data as { blob: string }).blob).toHaveLength(4096);
  });

  it('maps a reset connection to SUBGRAPH_UNAVAILABLE', async () => {
    transport = createUndiciTransport();
    const error = await expectAtriumError(transport.send(request('/reset'), new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_UNAVAILABLE', `${base}/reset`);
    expect(error.message).toMatch(/^subgraph "products" is unavailable: /);
  });

  it('maps a refused connection to SUBGRAPH_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/graphql`;
    await new Promise((resolve) => closed.close(resolve));

    transport = createUndiciTransport();
    const error = await expectAtriumError(transport.send({ ...request(''), url }, new AbortController().signal));
    expectSubgraphError(error, 'SUBGRAPH_UNAVAILABLE', url);
    expect(error.message).toBe('subgraph "products" is unavailable: connection refused');
  });

  it('rethrows when the signal aborts a hanging subgraph, and frees the socket', async () => {
    transport = createUndiciTransport();
    hanging = undefined;
    const controller = new AbortController();
    const sending = transport.send(request('/hang'), controller.signal);
    await expect.poll(() => hanging).toBeDefined();
    const closed = new Promise((resolve) => hanging!.once('close', resolve));
    const reason = new Error('test timeout');
    controller.abort(reason);
    await expect(sending).rejects.toBe(reason);
    await closed;
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    transport = createUndiciTransport();
    const before = connections;
    await transport.send(request('/ok'), new AbortController().signal);
    // undici marks the socket free on its 'drain', a turn after the body ended; a request sent before that
    // opens a second pooled socket (harmless, both are reused). Wait one turn to test reuse itself.
    await new Promise(setImmediate);
    await transport.send(request('/ok'), new AbortController().signal);
    expect(connections - before).toBe(1);
  });
});
