import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { type Context, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { AtriumError, toGraphQLError } from '../../errors.js';
import { nodeHttp } from '../../http/node-http.js';
import { jsonErrors, refusalBeforeStart } from './stream-refusal.js';
import type { Principal } from '../../request-context.js';
import type { StreamPipeline, StreamRunOptions } from './subscription-server.js';
import { createStreamContext } from './stream-operation.js';
import { NOTHING_TO_CANCEL, whenTokenExpires } from './token-expiry.js';
import { type NextMessageParts, nextMessage, nextMessageParts, serializedPayload } from './serialized-event.js';
import { serveWebSockets, type SocketExtra } from './socket-sweep.js';

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
interface Connection {
  readonly headers: IncomingHttpHeaders;
  readonly principal: Principal | undefined;
  /** One controller per operation: aborted when it completes, so its in-flight fetches stop. */
  readonly operations: Map<string, AbortController>;
  /** Cancels the close at the token's expiry. */
  readonly cancelExpiry: () => void;
  /** Since when it has had no operation (`performance.now()`); undefined while it has one. */
  idleSince: number | undefined;
}

type SocketContext = Context<Record<string, unknown>, SocketExtra>;

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
  const connections = new WeakMap<WebSocket, Connection>();
  let closing = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, handleProtocols });

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
    socket.on('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  options.httpServer.on('upgrade', onUpgrade);

  const connectionOf = (ctx: SocketContext) => connections.get(ctx.extra.socket);
  /** Counts the connection's operations; with none, it is idle from now (the sweep closes it after `idleTimeout`). */
  const operationsChanged = (connection: Connection) => {
    connection.idleSince = connection.operations.size === 0 ? performance.now() : undefined;
  };
  const server = serveWebSockets(
    wss,
    {
      connectionInitWaitTimeout: config.connectionInitTimeout,
      async onConnect(ctx) {
        const { socket, url, remoteAddress } = ctx.extra;
        const headers = connectionHeaders(ctx.extra.headers, ctx.connectionParams, options.credentialHeaders);
        const context = createStreamContext({ headers, url: url ?? options.path, remoteAddress, principal: undefined });
        const rejected = await pipeline.authenticate(context);
        if (rejected) {
          socket.close(closeCodeOf(rejected), closeReason(`${rejected.code}: ${rejected.message}`));
          return false;
        }
        const cancelExpiry = config.closeOnTokenExpiry
          ? whenTokenExpires(context.principal, (error) => socket.close(CLOSE_FORBIDDEN, closeReason(`${error.code}: ${error.message}`)))
          : NOTHING_TO_CANCEL;
        connections.set(socket, { headers, principal: context.principal, operations: new Map(), cancelExpiry, idleSince: performance.now() });
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = connectionOf(ctx)!;
        if (Object.keys(ctx.subscriptions).length > config.maxPerConnection) {
          return [codedError('TOO_MANY_SUBSCRIPTIONS', `this connection already has ${config.maxPerConnection} operations open (subscriptions.maxPerConnection)`)];
        }
        const controller = new AbortController();
        connection.operations.set(id, controller);
        operationsChanged(connection);
        const { url, remoteAddress } = ctx.extra;
        const context = createStreamContext({
          headers: connection.headers,
          url: url ?? options.path,
          remoteAddress,
          principal: connection.principal,
          signal: controller.signal,
        });
        const prepared = await pipeline.prepare(payload, context);
        if ('errors' in prepared) {
          connection.operations.delete(id);
          operationsChanged(connection);
          return prepared.errors as never;
        }
        const { request: operation, engine } = prepared;
        const { socket } = ctx.extra;
        let parts: NextMessageParts | undefined;
        const run: StreamRunOptions = {
          transport: 'websocket',
          connectionWatchesExpiry: true,
          // The socket, not the one operation: graphql-ws clients reconnect and subscribe to all again.
          restart: () => socket.close(CLOSE_SERVICE_RESTART, 'SUPERGRAPH_CHANGED: the supergraph was reloaded; reconnect'),
          // Events go straight to the socket; graphql-ws still sends the operation's error and complete.
          deliver: (event) => server.send(socket, nextMessage((parts ??= nextMessageParts(id)), event)),
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
      onNext: (_ctx, _id, _payload, _args, result) => serializedPayload(result),
      onComplete(ctx, id) {
        const connection = connectionOf(ctx);
        if (!connection) return;
        connection.operations.get(id)?.abort();
        connection.operations.delete(id);
        operationsChanged(connection);
      },
      onClose(ctx) {
        const connection = connectionOf(ctx);
        if (!connection) return;
        for (const controller of connection.operations.values()) controller.abort();
        connection.operations.clear();
        connection.cancelExpiry();
        connection.idleSince = undefined;
      },
    },
    {
      keepAliveMs: config.keepAlive,
      maxBufferedBytes: config.maxBufferedBytes,
      logger,
      // Often enough for a short idle timeout, keep-alive or connection_init wait; at most once a second.
      periodMs: sweepPeriod(config.keepAlive, config.idleTimeout, config.connectionInitTimeout),
      onSweep(socket, now) {
        const connection = connections.get(socket);
        if (config.idleTimeout <= 0 || connection?.idleSince === undefined || now - connection.idleSince < config.idleTimeout) return;
        connection.idleSince = undefined;
        socket.close(CLOSE_NORMAL, `IDLE_TIMEOUT: no operation for ${config.idleTimeout} ms`);
      },
    },
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

/** Refuses an upgrade before the handshake with the error's status and a JSON body. */
function refuseUpgrade(socket: Duplex, error: AtriumError): void {
  const [body, init] = jsonErrors([toGraphQLError(error)]);
  socket.end(`HTTP/1.1 ${init.status} ${nodeHttp.STATUS_CODES[init.status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
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
