import { type IncomingHttpHeaders, type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { type Context, GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { AtriumError, toGraphQLError } from '../../errors.js';
import { jsonErrors, refusalBeforeStart } from './stream-refusal.js';
import type { Principal } from '../../request-context.js';
import type { StreamPipeline, StreamRunOptions } from './subscription-server.js';
import { createStreamContext } from './stream-operation.js';
import { whenTokenExpires } from './token-expiry.js';
import { IdleTimer } from './idle-timer.js';
import { preSerialized } from './serialized-event.js';

/** Close codes, after graphql-ws's conventions (4401 Unauthorized, 4403 Forbidden). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_TOO_MANY_REQUESTS = 4429;
const CLOSE_BAD_REQUEST = 4400;
const CLOSE_SLOW_CONSUMER = 4429;
/** Going away: graphql-ws clients reconnect after it (it is not one of their fatal codes). */
const CLOSE_GOING_AWAY = 1001;
/** Service restart: the supergraph changed; graphql-ws clients reconnect after it (not fatal either). */
const CLOSE_SERVICE_RESTART = 1012;
/** Normal closure, for an idle connection: graphql-ws clients reconnect only when they have operations. */
const CLOSE_NORMAL = 1000;

/** What one WebSocket connection knows once `connection_init` was accepted. */
interface Connection {
  readonly headers: IncomingHttpHeaders;
  readonly principal: Principal | undefined;
  /** One controller per operation: aborted when it completes, so its in-flight fetches stop. */
  readonly operations: Map<string, AbortController>;
  /** Cancels the close at the token's expiry. */
  readonly cancelExpiry: () => void;
  /** Starts or stops the idle timer after the operations changed. */
  readonly idle: IdleTimer;
}

type SocketContext = Context<Record<string, unknown>, Extra>;

/**
 * GraphQL over WebSocket on the gateway's HTTP server: `graphql-ws`'s server (`useServer`) over `ws`, on
 * upgrades of the GraphQL path. Credentials come from the upgrade request's headers, or from the
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
  pipeline: StreamPipeline;
}): { close(): Promise<void> } {
  const { pipeline } = options;
  const { config, logger, registry } = pipeline;
  const connections = new WeakMap<SocketContext, Connection>();
  let closing = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const refusal = refusalBeforeStart({ closing, enabled: config.enabled });
    if (refusal) {
      // 503 while stopping (reconnect elsewhere); 400 SUBSCRIPTIONS_NOT_SUPPORTED when turned off.
      refuseUpgrade(socket, refusal);
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
      // Refused before the handshake, with a body that says why (graphql-ws would accept the socket and
      // close it with 4406, which clients that asked for another subprotocol never get to see).
      const message = `unsupported WebSocket subprotocol ${JSON.stringify(offered.join(', '))}: this gateway speaks ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (the graphql-ws library), or GraphQL over SSE`;
      refuseUpgrade(socket, new AtriumError('BAD_REQUEST', message));
      return;
    }
    const release = registry.acquireConnection(req.socket.remoteAddress);
    if (!release) {
      refuseUpgrade(socket, new AtriumError('TOO_MANY_CONNECTIONS', `this address already has ${config.maxConnectionsPerAddress} streaming connections open (subscriptions.maxConnectionsPerAddress)`));
      return;
    }
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      watchBuffer(ws);
      wss.emit('connection', ws, req);
    });
  };

  /**
   * The slow-client bound, checked every second: graphql-ws waits for each send to finish before it takes
   * the next event, so a client that stops reading shows as bytes waiting in its socket. It is closed with
   * 4429 and, since a client that does not read never answers the close, cut off a second later.
   */
  const watchBuffer = (ws: WebSocket) => {
    const timer = setInterval(() => {
      if (ws.bufferedAmount <= config.maxBufferedBytes) return;
      clearInterval(timer);
      logger.warn({ bufferedBytes: ws.bufferedAmount }, 'subscriptions: a slow WebSocket client was disconnected');
      ws.close(CLOSE_SLOW_CONSUMER, closeReason(`SUBSCRIPTION_SLOW_CONSUMER: more than ${config.maxBufferedBytes} bytes unread`));
      setTimeout(() => ws.terminate(), 1_000).unref();
    }, 1_000);
    timer.unref();
    ws.once('close', () => clearInterval(timer));
  };
  options.httpServer.on('upgrade', onUpgrade);

  const server = useServer(
    {
      connectionInitWaitTimeout: config.connectionInitTimeout,
      async onConnect(ctx) {
        const { request, socket } = ctx.extra;
        const headers = connectionHeaders(request.headers, ctx.connectionParams, options.credentialHeaders);
        const context = createStreamContext({ headers, url: request.url ?? options.path, remoteAddress: request.socket.remoteAddress, principal: undefined });
        const rejected = await pipeline.authenticate(context);
        if (rejected) {
          socket.close(closeCodeOf(rejected), closeReason(`${rejected.code}: ${rejected.message}`));
          return false;
        }
        const cancelExpiry = config.closeOnTokenExpiry
          ? whenTokenExpires(context.principal, (error) => socket.close(CLOSE_FORBIDDEN, closeReason(`${error.code}: ${error.message}`)))
          : () => {};
        const idle = new IdleTimer(config.idleTimeout, () => socket.close(CLOSE_NORMAL, `IDLE_TIMEOUT: no operation for ${config.idleTimeout} ms`));
        idle.update(0);
        connections.set(ctx, { headers, principal: context.principal, operations: new Map(), cancelExpiry, idle });
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx)!;
        if (Object.keys(ctx.subscriptions).length > config.maxPerConnection) {
          return [codedError('TOO_MANY_SUBSCRIPTIONS', `this connection already has ${config.maxPerConnection} operations open (subscriptions.maxPerConnection)`)];
        }
        const controller = new AbortController();
        connection.operations.set(id, controller);
        connection.idle.update(connection.operations.size);
        const { request } = ctx.extra;
        const context = createStreamContext({
          headers: connection.headers,
          url: request.url ?? options.path,
          remoteAddress: request.socket.remoteAddress,
          principal: connection.principal,
          signal: controller.signal,
        });
        const prepared = await pipeline.prepare(payload, context);
        if ('errors' in prepared) {
          connection.operations.delete(id);
          connection.idle.update(connection.operations.size);
          return prepared.errors as never;
        }
        const { request: operation, engine } = prepared;
        const { socket } = ctx.extra;
        const run: StreamRunOptions = {
          transport: 'websocket',
          connectionWatchesExpiry: true,
          // The socket, not the one operation: graphql-ws clients reconnect and subscribe to all again.
          restart: () => socket.close(CLOSE_SERVICE_RESTART, 'SUPERGRAPH_CHANGED: the supergraph was reloaded; reconnect'),
        };
        return {
          schema: engine.supergraph.apiSchema,
          document: operation.document,
          ...(payload.operationName && { operationName: payload.operationName }),
          contextValue: { prepared, run },
        } satisfies ExecutionArgs;
      },
      execute: (args) => runOperation(args.contextValue),
      subscribe: (args) => runOperation(args.contextValue),
      // Serialized once for every client that shares the event; graphql-ws adds only the id and type.
      onNext: (_ctx, _id, _payload, _args, result) => preSerialized(result),
      onComplete(ctx, id) {
        const connection = connections.get(ctx);
        connection?.operations.get(id)?.abort();
        connection?.operations.delete(id);
        connection?.idle.update(connection.operations.size);
      },
      onClose(ctx) {
        const connection = connections.get(ctx);
        for (const controller of connection?.operations.values() ?? []) controller.abort();
        connection?.operations.clear();
        connection?.cancelExpiry();
        connection?.idle.stop();
      },
    },
    wss,
    config.keepAlive,
  );

  const runOperation = (contextValue: unknown) => {
    const { prepared, run } = contextValue as { prepared: Parameters<StreamPipeline['run']>[0]; run: StreamRunOptions };
    return pipeline.run(prepared, run);
  };

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

/**
 * The connection's headers: the upgrade request's, then the credentials of the `connection_init` payload
 * over them — `authorization` into the token header, `apiKey` into the API key header, and any string
 * entry named like one of those headers.
 */
function connectionHeaders(
  upgrade: IncomingHttpHeaders,
  params: Readonly<Record<string, unknown>> | undefined,
  names: { readonly token: string; readonly apiKey: string },
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...upgrade };
  for (const [key, value] of Object.entries(params ?? {})) {
    if (typeof value !== 'string') continue;
    const lower = key.toLowerCase();
    if (lower === 'authorization' || lower === names.token) headers[names.token] = value;
    else if (lower === 'apikey' || lower === names.apiKey) headers[names.apiKey] = value;
  }
  return headers;
}

/** Refuses an upgrade before the handshake with the error's status and a JSON body. */
function refuseUpgrade(socket: Duplex, error: AtriumError): void {
  const [body, init] = jsonErrors([toGraphQLError(error)]);
  socket.end(`HTTP/1.1 ${init.status} ${STATUS_CODES[init.status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
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

/** Close reasons are at most 123 bytes (RFC 6455 §5.5). */
function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

function codedError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
