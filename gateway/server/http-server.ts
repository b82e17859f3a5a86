import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import { AtriumError } from '../errors.js';
import type { HttpRoute } from '../http/http-route.js';
import type { RequestContext } from '../request-context.js';
import { listen } from '../http/listen.js';
import { nodeHttp } from '../http/node-http.js';
import { isClientGone, jsonBodyRefusal, jsonText, readBody, skipUnreadBody } from '../http/read-body.js';
import { headerMap } from '../http/header-map.js';
import { readinessBody } from '../http/readiness-body.js';
import { acceptsHtml } from '../http/browser-assets.js';
import type { HttpServer, HttpServerOptions, StreamKind } from './http-server-options.js';
import { acceptedMultipart } from '../http/multipart.js';
import { answerClientError } from './client-error.js';
import { answeredErrorCodes, writeError, writeHttpResponse, writeJson } from '../http/write-response.js';

const GRAPHQL_ALLOW = 'GET, POST, OPTIONS';
const PROBE_ALLOW = 'GET, HEAD';
/** Printable ASCII, bounded: an incoming id is echoed in headers and logs, so nothing else is trusted. */
const VALID_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;
const HEALTH_PASS = '{"status":"pass"}';
const HEALTH_FAIL = '{"status":"fail"}';

/**
 * Node's default, kept explicit: longer than undici's 4 s client default, so clients drop idle sockets
 * before the server does and never send on a socket the server is closing.
 */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Bounded so slow-loris clients cannot hold sockets: headers within 10 s, the whole request within 30 s. */
const HEADERS_TIMEOUT_MS = 10_000;
/** node:http's own default, kept unless `server.maxHeaderSize` says otherwise. */
const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The HTTP shell around the GraphQL handler: request ids, the `/graphql` endpoint (method, content type,
 * body limit and JSON checks), `/health`, `/ready`, and a graceful close. Errors it decides itself are
 * GraphQL responses with a code from the error table.
 *
 * @example
 * const http = createHttpServer({ graphqlPath: '/graphql', bodyLimitBytes: 1 << 20, logger, handleGraphQL,
 *   isLive: () => true, readiness: () => ({ ready: true, details: {} }) });
 * const { url } = await http.listen(4000, '127.0.0.1');
 * await http.close(10_000);
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { graphqlPath, bodyLimitBytes, logger, handleGraphQL, onResponse, cors } = options;
  const routes = options.routes ?? [];
  const responseHeaders = options.responseHeaders ?? [];
  /** Once set, every response asks the client to close its connection, so draining finishes sooner. */
  let closing = false;
  let closed: Promise<void> | undefined;

  const maxHeaderSize = options.maxHeaderSizeBytes ?? DEFAULT_MAX_HEADER_SIZE;
  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = options.receiveTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node looks for expired requests only this often (its default, 30 s, would let a slow client hold a
  // socket for up to 40 s past a 10 s headers timeout).
  const connectionsCheckingInterval = Math.min(30_000, Math.max(50, Math.floor(Math.min(headersTimeout, requestTimeout) / 4)));
  // Only WebSocket upgrades leave the HTTP flow: `curl --http2` offers `Upgrade: h2c` on every request, and
  // a server may ignore an upgrade it does not speak (Node 24 and later read this option; Node 20 hands every
  // upgrade to the 'upgrade' listener, which refuses the others with a 400 that says so).
  const serverOptions = { headersTimeout, requestTimeout, connectionsCheckingInterval, maxHeaderSize, shouldUpgradeCallback: isWebSocketUpgrade };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => void serve(req, res);
  const server = options.tls
    ? createHttpsServer({ ...serverOptions, ...options.tls }, onRequest)
    : nodeHttp.createServer(serverOptions, onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // With a listener Node does not answer `Expect: 100-continue` itself: the body is invited only once the
  // request has passed the checks that need no body (see serveGraphQL).
  server.on('checkContinue', (req, res) => void serve(req, res));
  // Oversized headers and unparsable requests: a JSON error, security headers and an access-log line
  // rather than Node's bare status line.
  server.on('clientError', (error, socket) => answerClientError({ error, socket, maxHeaderSize, responseHeaders, logger, onResponse }));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = onResponse ? performance.now() : undefined;
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of responseHeaders) res.setHeader(name, value);
    if (closing) res.setHeader('connection', 'close');
    if (cors?.(req, res, refusePreflight)) return;
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    let route: HttpRoute | undefined;
    let context: RequestContext | undefined;
    try {
      if (path === graphqlPath && options.graphqlPage?.wantsPage(req, queryAt === -1 ? '' : url.slice(queryAt + 1))) {
        skipBody(req, res);
        options.graphqlPage.servePage(req, res);
      } else if (path === graphqlPath) {
        context = await serveGraphQL(req, res, requestId, queryAt === -1 ? '' : url.slice(queryAt), receivedAt);
      } else if (path === '/health' || path === '/ready') {
        serveProbe(req, res, path);
        return;
      } else if (routes.length > 0 && (route = routes.find((r) => r.matches(path)))) {
        context = createContext(req, res, { requestId, timeoutMs: options.requestTimeoutMs?.() ?? 0, receivedAt });
        await route.handle(req, res, context);
      } else if (path === '/' && options.home) {
        serveHome(req, res, options.home);
      } else {
        skipBody(req, res);
        writeError(res, req.headers, 'NOT_FOUND', 'no route is served at this path');
      }
    } catch (error) {
      logger.error({ err: error, requestId }, 'server: request failed');
      if (!res.headersSent) writeError(res, req.headers, 'INTERNAL_SERVER_ERROR', 'internal server error');
      else res.destroy();
    }
    if (onResponse) {
      try {
        onResponse({
          requestId,
          method: req.method ?? 'GET',
          path,
          status: res.statusCode,
          durationMs: performance.now() - receivedAt!,
          errorCodes: answeredErrorCodes(res),
          context,
        });
      } catch (error) {
        logger.error({ err: error, requestId }, 'server: response hook failed');
      }
    }
  }

  /** Answers a GraphQL request; returns its context once it has one. */
  async function serveGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    search: string,
    receivedAt: number | undefined,
  ): Promise<RequestContext | undefined> {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('allow', GRAPHQL_ALLOW);
      res.end();
      return undefined;
    }
    if (method !== 'GET' && method !== 'POST') {
      skipBody(req, res);
      res.setHeader('allow', GRAPHQL_ALLOW);
      writeError(res, req.headers, 'METHOD_NOT_ALLOWED', `method ${method} is not allowed; use GET or POST`);
      return undefined;
    }
    let body: unknown;
    if (method === 'POST') {
      const read = await readJsonObject(req, res);
      if (read === undefined) return undefined;
      if (read instanceof AtriumError) return refuse(req, res, { requestId, refusal: read, receivedAt });
      body = read;
    }

    const stream = options.handleStream && streamRequested(req.headers.accept);
    if (stream) {
      const context = createContext(req, res, { requestId, timeoutMs: 0, receivedAt });
      await options.handleStream!(stream, req, res, context, body);
      return context;
    }
    const context = createContext(req, res, { requestId, timeoutMs: options.requestTimeoutMs?.() ?? 0, receivedAt });
    const request = { method, headers: headerMap(req.headers), search, body };
    let response: Awaited<ReturnType<typeof handleGraphQL>>;
    try {
      response = await handleGraphQL(request, context);
    } catch (error) {
      logger.error({ err: error, requestId }, 'server: GraphQL handler failed');
      writeError(res, req.headers, 'INTERNAL_SERVER_ERROR', 'internal server error');
      return context;
    }
    if (closing) res.setHeader('connection', 'close');
    await writeHttpResponse(res, response, context);
    return context;
  }

  /**
   * For answers given without reading the body. Node drains an unread body after the answer to keep the
   * connection; that is worth it for a body within the limit, not for a larger one or one of unknown length.
   */
  function skipBody(req: IncomingMessage, res: ServerResponse): void {
    skipUnreadBody(req, res, bodyLimitBytes);
  }

  /**
   * Answers a request refused for its body, after the `onRefusedRequest` hooks had their say (they may
   * count it and answer 429 instead). Returns the context made for the hooks.
   */
  async function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    { requestId, refusal, receivedAt }: { requestId: string; refusal: AtriumError; receivedAt: number | undefined },
  ): Promise<RequestContext | undefined> {
    if (!options.onRefusedRequest) {
      writeError(res, req.headers, refusal.code, refusal.message, refusal.extensions);
      return undefined;
    }
    const context = createContext(req, res, { requestId, timeoutMs: 0, receivedAt });
    const answer = (await options.onRefusedRequest(context, refusal)) ?? refusal;
    // The hooks' headers (RateLimit-*), then the answer's own (Retry-After).
    for (const [name, value] of context.responseHeaders) res.setHeader(name, value);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    writeError(res, req.headers, answer.code, answer.message, answer.extensions);
    return context;
  }

  /**
   * Reads and parses a POST body (an object, or an array when batching is on). Returns the refusal when it
   * is unusable, or undefined when the client went away (nothing to answer).
   */
  async function readJsonObject(req: IncomingMessage, res: ServerResponse): Promise<object | AtriumError | undefined> {
    const refusal = jsonBodyRefusal(req.headers['content-type']);
    if (refusal) {
      skipBody(req, res);
      return refusal;
    }
    if (req.headers.expect?.toLowerCase() === '100-continue' && !(Number(req.headers['content-length']) > bodyLimitBytes)) {
      res.writeContinue();
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, bodyLimitBytes);
    } catch (error) {
      if (!(error instanceof AtriumError) || isClientGone(error)) {
        res.destroy();
        return undefined;
      }
      // The unread rest of the body would be parsed as the next request: the connection cannot be reused.
      if (!req.readableEnded) res.setHeader('connection', 'close');
      return error;
    }
    let body: unknown;
    try {
      body = JSON.parse(jsonText(raw));
    } catch (error) {
      const reason = raw.length === 0 ? 'the body is empty' : (error as Error).message;
      return new AtriumError('BAD_REQUEST', `malformed JSON body: ${reason}`);
    }
    if (typeof body !== 'object' || body === null || (Array.isArray(body) && !options.batching)) {
      return new AtriumError('BAD_REQUEST', 'the JSON body must be an object');
    }
    return body;
  }

  function refusePreflight(res: ServerResponse): void {
    const req = res.req;
    skipBody(req, res);
    writeError(res, req.headers, 'CORS_ORIGIN_NOT_ALLOWED', `origin ${JSON.stringify(req.headers.origin)} is not allowed (cors.origins)`);
  }

  function serveProbe(req: IncomingMessage, res: ServerResponse, path: '/health' | '/ready'): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      skipBody(req, res);
      res.setHeader('allow', PROBE_ALLOW);
      writeError(res, req.headers, 'METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET or HEAD`);
      return;
    }
    if (path === '/health') {
      const live = options.isLive();
      writeJson(res, live ? 200 : 503, live ? HEALTH_PASS : HEALTH_FAIL);
      return;
    }
    const readiness = options.readiness();
    writeJson(res, readiness.ready ? 200 : 503, JSON.stringify(readinessBody(readiness)));
  }

  function serveHome(req: IncomingMessage, res: ServerResponse, home: NonNullable<HttpServerOptions['home']>): void {
    skipBody(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', PROBE_ALLOW);
      writeError(res, req.headers, 'METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET or HEAD`);
    } else if (home.redirectBrowsersTo !== undefined && acceptsHtml(req.headers.accept)) {
      res.statusCode = 302;
      res.setHeader('location', home.redirectBrowsersTo);
      res.end();
    } else {
      writeJson(res, 200, JSON.stringify({ name: 'Atrium GraphQL gateway', links: home.links }));
    }
  }

  return {
    server,

    listen(port, host) {
      return listen(server, port, host, options.tls ? 'https' : 'http');
    },

    close(graceMs) {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        // The callback also runs, with an error, when the server was not listening: closed either way.
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

/**
 * The stream a request asks for: GraphQL over SSE when it accepts an event stream (graphql-sse sends
 * exactly `text/event-stream`), Apollo's multipart subscriptions when it accepts `multipart/mixed` with a
 * `subscriptionSpec` (Apollo Client sends `multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json`).
 */
function streamRequested(accept: string | undefined): StreamKind | undefined {
  if (accept === undefined) return undefined;
  if (accept.includes('text/event-stream')) return 'sse';
  return acceptedMultipart(accept)?.subscriptionSpec !== undefined ? 'multipart' : undefined;
}

/** Whether the request asks to become a WebSocket (`Upgrade: websocket`); other upgrades stay HTTP. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

/** The client's `x-request-id` when it is a usable one, else a new id. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

function createContext(
  req: IncomingMessage,
  res: ServerResponse,
  options: { requestId: string; timeoutMs: number; receivedAt: number | undefined },
): RequestContext {
  const { requestId, timeoutMs, receivedAt } = options;
  const controller = new AbortController();
  // Every fetch of the plan listens on this signal; a plan with more than 10 fetches would print Node's
  // "possible EventTarget memory leak" warning although nothing leaks (listeners are removed per fetch).
  setMaxListeners(0, controller.signal);
  const deadline = timeoutMs > 0 ? setTimeout(abortAtDeadline, timeoutMs, controller, timeoutMs) : undefined;
  // 'close' also follows a completed response; only a close before the end means the client left.
  res.once('close', () => {
    if (deadline !== undefined) clearTimeout(deadline);
    if (!res.writableFinished) controller.abort();
  });
  return {
    requestId,
    receivedAt,
    http: { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, remoteAddress: req.socket.remoteAddress },
    principal: undefined,
    responseHeaders: new Map(),
    signal: controller.signal,
  };
}

/** `traffic.requestTimeout` passed: fetches still running end with GATEWAY_TIMEOUT, the rest is answered. */
function abortAtDeadline(controller: AbortController, timeoutMs: number): void {
  controller.abort(
    new AtriumError('GATEWAY_TIMEOUT', `the request did not complete within ${timeoutMs} ms (traffic.requestTimeout)`),
  );
}
