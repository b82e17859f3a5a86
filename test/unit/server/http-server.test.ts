import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import { createHttpServer } from '../../../gateway/server/http-server.js';
import type { HttpServer, HttpServerOptions } from '../../../gateway/server/http-server-options.js';
import type { HttpGraphQLRequest, HttpResponse } from '../../../gateway/http/graphql-exchange.js';

interface Seen {
  request: HttpGraphQLRequest;
  context: RequestContext;
}

let server: HttpServer | undefined;
let base = '';
let seen: Seen[] = [];
let logLines: string[] = [];

afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

const echo: HttpServerOptions['handleGraphQL'] = async (request, context) => {
  seen.push({ request, context });
  context.responseHeaders.set('x-hook', 'set by a hook');
  const body = JSON.stringify({ data: { echo: request.body ?? request.search } });
  return { status: 200, headers: new Map([['content-type', 'application/graphql-response+json; charset=utf-8']]), body };
};

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<void> {
  seen = [];
  logLines = [];
  server = createHttpServer({
    graphqlPath: '/graphql',
    bodyLimitBytes: 1024,
    logger: createLogger({ level: 'error', destination: { write: (line: string) => void logLines.push(line) } }),
    handleGraphQL: echo,
    isLive: () => true,
    readiness: () => ({ ready: true, details: { supergraph: 'loaded' } }),
    ...overrides,
  });
  ({ url: base } = await server.listen(0, '127.0.0.1'));
}

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json; charset=utf-8$/);
  const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]!.extensions.code).toBe(code);
  return body.errors[0]!.message;
}

/** A raw HTTP/1.1 POST whose body may exceed what fetch would let us control (chunked, no length). */
function rawPost(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `Promise.withResolvers` is Node 22+. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function refusesConnections(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe('createHttpServer: /graphql', () => {
  it('passes a POST body, the lower-case headers and a context to the handler', async () => {
    await start();
    const response = await post('{"query":"{ a }"}', { 'x-tenant': 'acme' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(response.headers.get('x-hook')).toBe('set by a hook');
    expect(await response.json()).toEqual({ data: { echo: { query: '{ a }' } } });
    const [{ request, context }] = seen as [Seen];
    expect(request.method).toBe('POST');
    expect(request.search).toBe('');
    expect(request.headers.get('x-tenant')).toBe('acme');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(context.principal).toBeUndefined();
    expect(context.http.url).toBe('/graphql');
    expect(context.signal.aborted).toBe(false);
    expect(response.headers.get('x-request-id')).toBe(context.requestId);
  });

  it('passes a GET with its query string and no body', async () => {
    await start();
    const response = await fetch(`${base}/graphql?query=%7Ba%7D`);
    expect(response.status).toBe(200);
    expect(seen[0]!.request).toMatchObject({ method: 'GET', search: '?query=%7Ba%7D', body: undefined });
  });

  it('accepts a charset parameter on the content type', async () => {
    await start();
    const response = await post('{"query":"{ a }"}', { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(response.status).toBe(200);
  });

  it('answers OPTIONS with 204 and allow', async () => {
    await start();
    const response = await fetch(`${base}/graphql`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('GET, POST, OPTIONS');
  });

  it('answers other methods with 405 METHOD_NOT_ALLOWED and allow', async () => {
    await start();
    const response = await fetch(`${base}/graphql`, { method: 'PUT', body: '{}' });
    await expectError(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('GET, POST, OPTIONS');
  });

  it('rejects malformed and empty JSON with 400 BAD_REQUEST', async () => {
    await start();
    expect(await expectError(await post('{"query":'), 400, 'BAD_REQUEST')).toMatch(/^malformed JSON body: /);
    expect(await expectError(await post(''), 400, 'BAD_REQUEST')).toBe('malformed JSON body: the body is empty');
    expect(seen).toHaveLength(0);
  });

  it.each(['[]', '"query"', '42', 'null'])('rejects the JSON body %s that is not an object', async (body) => {
    await start();
    expect(await expectError(await post(body), 400, 'BAD_REQUEST')).toBe('the JSON body must be an object');
  });

  it('rejects a wrong content type with 400 BAD_REQUEST', async () => {
    await start();
    const response = await post('{"query":"{ a }"}', { 'content-type': 'text/plain' });
    expect(await expectError(response, 400, 'BAD_REQUEST')).toBe('content-type must be application/json');
  });

  it('answers in application/graphql-response+json when the client accepts it', async () => {
    await start();
    const response = await post('[]', { accept: 'application/graphql-response+json, application/json' });
    expect(response.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    const legacy = await post('[]', { accept: 'application/json' });
    expect(legacy.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers 413 to a body over the limit, by declared length or by count, and keeps serving', async () => {
    await start();
    const big = JSON.stringify({ query: 'x'.repeat(4096) });
    const declared = await rawPost('/graphql', big, { 'content-type': 'application/json', 'content-length': String(big.length) });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(JSON.parse(declared.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const chunked = await rawPost('/graphql', big, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const wrongType = await rawPost('/graphql', big, { 'content-type': 'text/plain', 'content-length': String(big.length) });
    expect(wrongType.status).toBe(400);
    expect(wrongType.headers.connection).toBe('close');

    const next = await post('{"query":"{ a }"}');
    expect(next.status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('survives a client that leaves in the middle of its body', async () => {
    await start();
    const { port } = server!.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"qu');
    await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    const next = await post('{"query":"{ a }"}');
    expect(next.status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('answers 500 without the message when the handler throws, and logs it with the request id', async () => {
    await start({
      handleGraphQL: () => Promise.reject(new Error('secret database password in here')),
    });
    const response = await post('{"query":"{ a }"}', { 'x-request-id': 'trace-me' });
    const message = await expectError(response, 500, 'INTERNAL_SERVER_ERROR');
    expect(message).not.toContain('secret');
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({ requestId: 'trace-me', err: { message: 'secret database password in here' } });
  });

  it('streams a body given as chunks', async () => {
    async function* chunks() {
      yield '{"data":';
      yield '{"a":1}}';
    }
    await start({ handleGraphQL: async (): Promise<HttpResponse> => ({ status: 200, headers: new Map(), body: chunks() }) });
    const response = await post('{"query":"{ a }"}');
    expect(await response.json()).toEqual({ data: { a: 1 } });
  });

  it('aborts the context signal when the client goes away before the answer', async () => {
    let aborted!: Promise<unknown>;
    const handlerStarted = deferred();
    await start({
      handleGraphQL: (_request, context) => {
        aborted = new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        handlerStarted.resolve();
        return new Promise(() => {});
      },
    });
    const controller = new AbortController();
    const client = fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ a }"}',
      signal: controller.signal,
    }).catch(() => undefined);
    await handlerStarted.promise;
    controller.abort();
    await client;
    await aborted;
  });
});

describe('createHttpServer: request ids', () => {
  it('echoes a valid incoming x-request-id', async () => {
    await start();
    const response = await post('{"query":"{ a }"}', { 'x-request-id': 'abc-123' });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect(seen[0]!.context.requestId).toBe('abc-123');
  });

  it('generates one when absent, and replaces an invalid one', async () => {
    await start();
    const generated = (await post('{}')).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = (await post('{}', { 'x-request-id': 'x'.repeat(129) })).headers.get('x-request-id');
    expect(tooLong).toMatch(/^[0-9a-f-]{36}$/);
    const nonAscii = await rawPost('/graphql', '{}', { 'content-type': 'application/json', 'x-request-id': 'caf\u00e9' });
    expect(nonAscii.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts one on errors the shell answers too', async () => {
    await start();
    const response = await fetch(`${base}/nowhere`, { headers: { 'x-request-id': 'lost' } });
    expect(response.headers.get('x-request-id')).toBe('lost');
  });
});

describe('createHttpServer: other paths', () => {
  it('answers an unknown path with 404 NOT_FOUND', async () => {
    await start();
    await expectError(await fetch(`${base}/graphql/extra`), 404, 'NOT_FOUND');
  });

  it('reports liveness on /health', async () => {
    let live = true;
    await start({ isLive: () => live });
    const pass = await fetch(`${base}/health`);
    expect(pass.status).toBe(200);
    expect(await pass.json()).toEqual({ status: 'pass' });
    live = false;
    const fail = await fetch(`${base}/health`);
    expect(fail.status).toBe(503);
    expect(await fail.json()).toEqual({ status: 'fail' });
    expect((await fetch(`${base}/health`, { method: 'HEAD' })).status).toBe(503);
    await expectError(await fetch(`${base}/health`, { method: 'POST' }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('reports readiness with details on /ready', async () => {
    let ready = false;
    await start({ readiness: () => ({ ready, details: { supergraph: ready ? 'loaded' : 'missing', status: 'ignored' } }) });
    const fail = await fetch(`${base}/ready`);
    expect(fail.status).toBe(503);
    expect(await fail.json()).toEqual({ status: 'fail', supergraph: 'missing' });
    ready = true;
    const pass = await fetch(`${base}/ready`);
    expect(pass.status).toBe(200);
    expect(await pass.json()).toEqual({ status: 'pass', supergraph: 'loaded' });
  });
});

describe('createHttpServer: close', () => {
  it('closes an idle server with keep-alive connections open, then refuses connections', async () => {
    await start();
    await (await post('{}')).text();
    const { port } = server!.server.address() as { port: number };
    // A grace far above the test timeout: close must not wait for it when nothing is in flight.
    await server!.close(60_000);
    expect(await refusesConnections(port)).toBe('ECONNREFUSED');
  });

  it('lets a request in flight finish during close', async () => {
    const release = deferred();
    const handlerStarted = deferred();
    await start({
      handleGraphQL: async () => {
        handlerStarted.resolve();
        await release.promise;
        return { status: 200, headers: new Map([['content-type', 'application/json']]), body: '{"data":{"late":true}}' };
      },
    });
    const { port } = server!.server.address() as { port: number };
    const inFlight = post('{"query":"{ late }"}');
    await handlerStarted.promise;
    const closing = server!.close(60_000);
    expect(await refusesConnections(port)).toBe('ECONNREFUSED');
    release.resolve();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ data: { late: true } });
    await closing;
  });
});
