import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import { AtriumError, toGraphQLError } from '../../errors.js';
import { nodeHttp } from '../../http/node-http.js';
import { isWebSocketUpgrade, requestIdOf } from '../http-server.js';
import { jsonErrors, refusalBeforeStart } from './stream-refusal.js';
import type { StreamPipeline, StreamRunOptions } from './subscription-server.js';
import type { StreamOutcome } from './observed-stream.js';
import { checkStreamPayload, createStreamContext } from './stream-operation.js';
import { NOTHING_TO_CANCEL, whenTokenExpires } from './token-expiry.js';
import { type GraphQLWsConnection, type GraphQLWsHandler, type ServedOperation, serveGraphQLWs } from './graphql-ws-server.js';

/** Close codes, after graphql-ws's conventions (4401 Unauthorized, 4403 Forbidden). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_TOO_MANY_REQUESTS = 4429;
const CLOSE_BAD_REQUEST = 4400;
/** Going away: graphql-ws clients reconnect after it (it is not one of their fatal codes). */
const CLOSE_GOING_AWAY = 1001;
/** Service restart: the supergraph changed; graphql-ws clients reconnect after it (not fatal either). */
const CLOSE_SERVICE_RESTART = 1012;
/** Normal closure, for an idle connection: graphql-ws clients reconnect only when they have operations. */
const CLOSE_NORMAL = 1000;

/** What one WebSocket connection knows once `connection_init` was accepted. */
interface Session {
  /** The upgrade's headers with the `connection_init` credentials: each operation is authenticated with them. */
  readonly headers: IncomingHttpHeaders;
  /** Cancels the close at the token's expiry. */
  readonly cancelExpiry: () => void;
}

type Connection = GraphQLWsConnection<Session>;

/**
 * GraphQL over WebSocket on the gateway's HTTP server: the `graphql-transport-ws` protocol (graphql-ws.ts)
 * over `ws`, on upgrades of the GraphQL path. Credentials come from the upgrade request's headers, or from the
 * `connection_init` payload (`authorization`, `apiKey`, or the header names themselves), and go through the
 * same `onRequest` hooks as HTTP requests; a refusal closes with 4401/4403 (4429 when rate limited), and
 * an expired token closes with 4403 `TOKEN_EXPIRED`. An upgrade that does not offer `graphql-transport-ws`
 * is refused with HTTP 400 and a JSON body, one over `maxConnectionsPerAddress` with 429.
 */
export function createWebSocketSubscriptions(options: {
  httpServer: Server;
  path: string;
  credentialHeaders: { readonly token: string; readonly apiKey: string };
  /** Largest message a client may send (`server.bodyLimit`: a `subscribe` message carries what a POST body does). */
  maxMessageBytes: number;
  /** Headers every HTTP answer of the gateway carries (the security headers): the upgrade's answers too. */
  responseHeaders?: readonly (readonly [string, string])[];
  pipeline: StreamPipeline;
}): { close(): Promise<void> } {
  const { pipeline } = options;
  const { config, logger, registry } = pipeline;
  let closing = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, handleProtocols });
  // The answer's own header lines, as every HTTP answer of the gateway has them: its request id, then the
  // security headers.
  const securityLines = (options.responseHeaders ?? []).map(([name, value]) => `${name}: ${value}`);
  const headerLines = (req: IncomingMessage) => [`x-request-id: ${requestIdOf(req.headers['x-request-id'])}`, ...securityLines];
  wss.on('headers', (lines: string[], req: IncomingMessage) => lines.push(...headerLines(req)));
  // A handshake `ws` refuses (not GET, a missing or malformed Sec-WebSocket-Key, an unknown version, a
  // malformed protocol or extensions header) gets the gateway's JSON error, not ws's plain-text one.
  wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => {
    const get = req.method === 'GET';
    const lines = [...headerLines(req), ...(get ? [] : ['allow: GET']), ...(error.message.includes('Version') ? ['sec-websocket-version: 13, 8'] : [])];
    refuseUpgrade(socket, new AtriumError(get ? 'BAD_REQUEST' : 'METHOD_NOT_ALLOWED', `WebSocket handshake refused: ${error.message}`), lines);
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isWebSocketUpgrade(req)) {
      const message = `this gateway upgrades connections to WebSocket only; send the request without its Upgrade: ${req.headers.upgrade ?? ''} header (curl: --http1.1)`;
      refuseUpgrade(socket, new AtriumError('BAD_REQUEST', message), headerLines(req));
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== options.path) {
      refuseUpgrade(socket, new AtriumError('NOT_FOUND', 'no route is served at this path'), headerLines(req));
      return;
    }
    const refusal = refusalBeforeStart({ closing, enabled: config.enabled });
    if (refusal) {
      // 503 while stopping (reconnect elsewhere); 400 SUBSCRIPTIONS_NOT_SUPPORTED when turned off.
      refuseUpgrade(socket, refusal, headerLines(req));
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
      // Refused before the handshake, with a body that says why (accepting the socket to close it with
      // 4406 would never show clients that asked for another subprotocol why).
      const message = `unsupported WebSocket subprotocol ${JSON.stringify(offered.join(', '))}: this gateway speaks ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (the graphql-ws library), or GraphQL over SSE`;
      refuseUpgrade(socket, new AtriumError('BAD_REQUEST', message), headerLines(req));
      return;
    }
    const release = registry.acquireConnection(req.socket.remoteAddress);
    if (!release) {
      refuseUpgrade(socket, new AtriumError('TOO_MANY_CONNECTIONS', `this address already has ${config.maxConnectionsPerAddress} streaming connections open (subscriptions.maxConnectionsPerAddress)`), headerLines(req));
      return;
    }
    socket.on('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  options.httpServer.on('upgrade', onUpgrade);

  const handler: GraphQLWsHandler<Session> = {
    async connect(connection, params) {
      const { url, remoteAddress } = connection.upgrade;
      const headers = connectionHeaders(connection.upgrade.headers, params, options.credentialHeaders);
      const context = createStreamContext({ headers, url: url ?? options.path, remoteAddress, principal: undefined });
      const rejected = await pipeline.authenticate(context);
      if (rejected) {
        connection.close(closeCodeOf(rejected), `${rejected.code}: ${rejected.message}`);
        return undefined;
      }
      const cancelExpiry = config.closeOnTokenExpiry
        ? whenTokenExpires(context.principal, (error) => connection.close(CLOSE_FORBIDDEN, `${error.code}: ${error.message}`))
        : NOTHING_TO_CANCEL;
      return { headers, cancelExpiry };
    },
    async subscribe(connection, operation, payload) {
      const session = connection.session!;
      if (connection.operations.size > config.maxPerConnection) {
        return [codedError('TOO_MANY_SUBSCRIPTIONS', `this connection already has ${config.maxPerConnection} operations open (subscriptions.maxPerConnection)`)];
      }
      const { url, remoteAddress } = connection.upgrade;
      const context = createStreamContext({ headers: session.headers, url: url ?? options.path, remoteAddress, principal: undefined, signal: operation.signal });
      // Every operation is a request, as each POST is: the onRequest hooks authenticate it again (a token
      // that expired since connection_init starts nothing new) and count it against the anonymous and per-path
      // request limits. A refusal ends this operation only; the connection stays.
      const rejected = await pipeline.authenticate(context);
      if (rejected) return [toGraphQLError(rejected)];
      // graphql-ws's parseMessage checked the fields' types; the persisted-query hash is the gateway's to check.
      const checked = checkStreamPayload(payload);
      if (checked instanceof AtriumError) return [toGraphQLError(checked)];
      const prepared = await pipeline.prepare(checked, context);
      if ('errors' in prepared) return prepared.errors;
      return pipeline.run(prepared, new WebSocketRun(connection, operation));
    },
    closed(connection) {
      connection.session?.cancelExpiry();
    },
    sweep(connection, now) {
      const { idleSince } = connection;
      if (config.idleTimeout <= 0 || idleSince === undefined || now - idleSince < config.idleTimeout) return;
      connection.idleSince = undefined;
      connection.close(CLOSE_NORMAL, `IDLE_TIMEOUT: no operation for ${config.idleTimeout} ms`);
    },
  };
  const server = serveGraphQLWs(wss, handler, {
    connectionInitWaitMs: config.connectionInitTimeout,
    keepAliveMs: config.keepAlive,
    maxBufferedBytes: config.maxBufferedBytes,
    logger,
    // Often enough for a short idle timeout, keep-alive or connection_init wait; at most once a second.
    periodMs: sweepPeriod(config.keepAlive, config.idleTimeout, config.connectionInitTimeout),
  });

  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= (async () => {
        closing = true;
        options.httpServer.off('upgrade', onUpgrade);
        // Going away (1001): clients reconnect, to another replica or to this one after its restart.
        for (const client of wss.clients) client.close(CLOSE_GOING_AWAY, 'GATEWAY_SHUTTING_DOWN: the gateway is stopping');
        await server.dispose();
      })();
      return closed;
    },
  };
}

/** How an operation of a WebSocket runs (one small object per operation, no closures). */
class WebSocketRun implements StreamRunOptions {
  constructor(
    private readonly connection: Connection,
    private readonly operation: ServedOperation<Session>,
  ) {}

  get transport(): 'websocket' {
    return 'websocket';
  }

  /** The connection closes itself at the token's expiry (4403). */
  get connectionWatchesExpiry(): boolean {
    return true;
  }

  /** The socket, not the one operation: graphql-ws clients reconnect and subscribe to all again. */
  restart(): void {
    this.connection.close(CLOSE_SERVICE_RESTART, 'SUPERGRAPH_CHANGED: the supergraph was reloaded; reconnect');
  }

  /** Events go straight to the socket as they come. */
  deliver(event: ExecutionResult): void {
    this.operation.deliver(event);
  }

  /** The end of the events: `complete`, or `error` (a client's own `complete` needs no answer). */
  ended(outcome: StreamOutcome): void {
    if (!outcome.returned) this.operation.streamEnded(outcome.error);
  }
}

/** Half the shortest of the keep-alive and idle timeout (0: off), between 50 ms and a second. */
function sweepPeriod(...durations: number[]): number {
  const shortest = Math.min(2_000, ...durations.filter((ms) => ms > 0));
  return Math.max(50, Math.floor(shortest / 2));
}

/**
 * The connection's headers: the upgrade request's, then the credentials of the `connection_init` payload
 * over them — `authorization` into the token header, `apiKey` into the API key header, and any string
 * entry named like one of those headers. The upgrade's own object when the payload carries none (a copy
 * per idle connection was ~300 bytes of 10,000).
 */
function connectionHeaders(
  upgrade: IncomingHttpHeaders,
  params: Readonly<Record<string, unknown>> | undefined,
  names: { readonly token: string; readonly apiKey: string },
): IncomingHttpHeaders {
  let headers = upgrade;
  const set = (name: string, value: string) => {
    if (headers === upgrade) headers = { ...upgrade };
    headers[name] = value;
  };
  for (const [key, value] of Object.entries(params ?? {})) {
    if (typeof value !== 'string') continue;
    const lower = key.toLowerCase();
    if (lower === 'authorization' || lower === names.token) set(names.token, value);
    else if (lower === 'apikey' || lower === names.apiKey) set(names.apiKey, value);
  }
  return headers;
}

/** Refuses an upgrade before the handshake with the error's status, a JSON body and `lines` as headers. */
function refuseUpgrade(socket: Duplex, error: AtriumError, lines: readonly string[]): void {
  const [body, init] = jsonErrors([toGraphQLError(error)]);
  const head = [
    `HTTP/1.1 ${init.status} ${nodeHttp.STATUS_CODES[init.status] ?? 'Error'}`,
    'connection: close',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    ...lines,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function closeCodeOf(error: AtriumError): number {
  switch (error.status) {
    case 401:
      return CLOSE_UNAUTHORIZED;
    case 403:
      return CLOSE_FORBIDDEN;
    case 429:
      return CLOSE_TOO_MANY_REQUESTS;
    default:
      return CLOSE_BAD_REQUEST;
  }
}

function codedError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
