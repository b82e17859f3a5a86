import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, type Message, MessageType, parseMessage, stringifyMessage, type SubscribePayload } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.js';
import { isAsyncGenerator } from './observed-stream.js';
import { type NextMessageParts, nextMessage, nextMessageParts } from './serialized-event.js';

/** Closes for a slow client: graphql-ws's convention for "too many requests". */
const CLOSE_SLOW_CONSUMER = 4429;

type EventStream = AsyncGenerator<ExecutionResult, undefined, undefined>;

/**
 * What the gateway does for the protocol's messages (websocket-subscriptions.ts): one object for every
 * connection, so that a connection holds no closures of its own.
 */
export interface GraphQLWsHandler<Session> {
  /**
   * `connection_init`: the session to keep with the connection (it is then acknowledged), or undefined
   * when `connect` refused the connection (and closed it).
   */
  connect(connection: GraphQLWsConnection<Session>, params: Readonly<Record<string, unknown>> | undefined): Promise<Session | undefined>;
  /**
   * `subscribe`: errors to answer with an `error` message, a result to send as one `next` message, or the
   * operation's events (which it may send itself with `operation.deliver`). `operation.signal` fires when
   * the operation ends however it ends (the client's `complete`, the connection closing, the stream
   * ending), so its work in flight stops.
   */
  subscribe(connection: GraphQLWsConnection<Session>, operation: ServedOperation<Session>, payload: SubscribePayload): Promise<readonly GraphQLError[] | ExecutionResult | EventStream>;
  /** The connection closed: its operations were already ended. */
  closed?(connection: GraphQLWsConnection<Session>): void;
  /** Per socket on every sweep, after the keep-alive and buffer checks (the idle timeout). */
  sweep?(connection: GraphQLWsConnection<Session>, now: number): void;
}

export interface GraphQLWsOptions {
  /** How long a socket may go without `connection_init` before it is closed with 4408 (ms); 0: forever. */
  readonly connectionInitWaitMs: number;
  /** Ping every socket this often, and cut off one whose pong does not come within as long (`subscriptions.keepAlive`); 0: never. */
  readonly keepAliveMs: number;
  /** A client with more unsent bytes than this is closed with 4429 (`subscriptions.maxBufferedBytes`). */
  readonly maxBufferedBytes: number;
  /** How often the sweep runs at most (ms). Default 1000. */
  readonly periodMs?: number;
  readonly logger: Logger;
}

/** What the upgrade request said, kept without the request itself (its raw headers, parser state and strings). */
export interface UpgradeInfo {
  readonly headers: IncomingHttpHeaders;
  readonly url: string | undefined;
  readonly remoteAddress: string | undefined;
}

/**
 * The server side of GraphQL over WebSocket, the `graphql-transport-ws` protocol of the graphql-ws library
 * (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md), on a `ws` server: `connection_init`
 * and `connection_ack`, `ping`/`pong`, `subscribe` with `next`, `error` and `complete`, and the protocol's
 * close codes (4400 invalid message, 4401 subscribe before the acknowledgement, 4408 no `connection_init` in
 * time, 4409 an id already in use, 4429 a second `connection_init`). Messages are parsed and checked with
 * graphql-ws's own `parseMessage`, and graphql-ws's client is what the tests talk to.
 *
 * The gateway's own rather than graphql-ws's `makeServer`, for what an open subscription costs: graphql-ws
 * keeps a suspended async function (`for await` over the stream), its emit closures, the subscribe message
 * and the execution arguments for as long as a subscription lives, and a context and closures per
 * connection — ~1.6 KB of each of 10,000 idle subscriptions. Here a connection is one object
 * ({@link GraphQLWsConnection}) with its operations in a `Map`, an operation is one small object, and
 * events go straight from the stream to the socket.
 *
 * One timer serves every socket instead of a ping interval, a pong timeout and an init timer per socket: it
 * closes connections whose `connection_init` is late (up to one period late), pings, cuts off sockets whose
 * pong is late, and closes slow clients (more than `maxBufferedBytes` unsent: sends do not wait for the
 * write, so a client that stops reading shows there), cutting them off a second later if they never
 * answer the close.
 *
 * @example
 * const served = serveGraphQLWs(wss, handler, { connectionInitWaitMs: 3_000, keepAliveMs: 12_000, maxBufferedBytes, logger });
 * await served.dispose();
 */
export function serveGraphQLWs<Session>(wss: WebSocketServer, handler: GraphQLWsHandler<Session>, options: GraphQLWsOptions): { dispose(): Promise<void> } {
  const { keepAliveMs, maxBufferedBytes, connectionInitWaitMs, logger } = options;
  const sockets = new Map<WebSocket, GraphQLWsConnection<Session>>();
  const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs);
  const initWait = connectionInitWaitMs > 0 && Number.isFinite(connectionInitWaitMs);

  const sweep = () => {
    const now = performance.now();
    for (const [socket, connection] of sockets) {
      if (connection.cutAt !== undefined) {
        if (now - connection.cutAt >= 1_000) socket.terminate();
        continue;
      }
      if (connection.initBy !== undefined && now >= connection.initBy) {
        connection.initBy = undefined;
        socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
        continue;
      }
      if (connection.cutIfSlow(now)) continue;
      if (keepAlive && socket.readyState === socket.OPEN) {
        if (connection.awaitingPong && now - connection.pingedAt >= keepAliveMs) {
          socket.terminate();
          continue;
        }
        if (!connection.awaitingPong && now - connection.pingedAt >= keepAliveMs) {
          connection.pingedAt = now;
          connection.awaitingPong = true;
          socket.ping();
        }
      }
      handler.sweep?.(connection, now);
    }
  };
  const timer = setInterval(sweep, options.periodMs ?? 1_000);
  timer.unref();

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const upgrade: UpgradeInfo = { headers: withoutHandshake(request.headers), url: request.url, remoteAddress: request.socket.remoteAddress };
    const connection = new GraphQLWsConnection(socket, request.socket, upgrade, handler, logger, maxBufferedBytes, initWait ? performance.now() + connectionInitWaitMs : undefined);
    sockets.set(socket, connection);
    // `on`, not `once`: each fires at most once, and `once` adds a wrapper closure per socket and event.
    socket.on('error', onSocketError);
    socket.on('pong', onPong);
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
  });

  function onSocketMessage(this: WebSocket, data: Buffer) {
    const connection = sockets.get(this);
    try {
      connection?.received(String(data));
    } catch (error) {
      // A message must never take the thread down with it: whatever threw ends this connection only.
      connection?.failed(error);
    }
  }
  function onSocketClose(this: WebSocket) {
    const connection = sockets.get(this);
    sockets.delete(this);
    connection?.ended();
  }
  function onPong(this: WebSocket) {
    const connection = sockets.get(this);
    if (connection) connection.awaitingPong = false;
  }
  function onSocketError(this: WebSocket, error: Error) {
    logger.warn({ err: error }, 'subscriptions: a WebSocket failed');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  return {
    async dispose() {
      clearInterval(timer);
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      wss.removeAllListeners('connection');
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Headers of the WebSocket handshake itself: nothing after the upgrade reads them, and nothing forwards them. */
const HANDSHAKE_HEADERS: ReadonlySet<string> = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/** The upgrade's headers without the handshake's (their strings, ~170 bytes, are not kept for the life of the connection). */
function withoutHandshake(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) if (!HANDSHAKE_HEADERS.has(name)) kept[name] = headers[name];
  return kept;
}

// Sockets written to in this turn of the event loop, corked until the next: a client that several messages
// reach in one turn (the gateway catching up on a backlog) gets them in one write, not one each.
const corked = new Set<Socket>();
function uncorkAll(): void {
  for (const raw of corked) raw.uncork();
  corked.clear();
}

/**
 * One connection: the protocol's state, what the sweep knows of it, the gateway's session, and its
 * operations by id. Methods on the prototype, listeners shared by every connection (closures per
 * connection were ~400 bytes of each of 10,000 idle ones).
 */
export class GraphQLWsConnection<Session> {
  /** When the last keep-alive ping went out (ms, `performance.now()`). */
  pingedAt = performance.now();
  /** Set while a ping waits for its pong. */
  awaitingPong = false;
  /** When the slow-client close was sent; the socket is cut off a second later. */
  cutAt: number | undefined = undefined;
  /** Set once `connection_init` came. */
  initReceived = false;
  /** What `connect` returned: set once the connection is acknowledged. */
  session: Session | undefined = undefined;
  /** Since when it has had no operation (`performance.now()`); undefined while it has one or before the acknowledgement. */
  idleSince: number | undefined = undefined;
  readonly operations = new Map<string, ServedOperation<Session>>();

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under the WebSocket: corked for the rest of the turn when written to. */
    private readonly raw: Socket,
    readonly upgrade: UpgradeInfo,
    private readonly handler: GraphQLWsHandler<Session>,
    private readonly logger: Logger,
    /** More unsent bytes than this and the client is closed as too slow (`subscriptions.maxBufferedBytes`). */
    private readonly maxBufferedBytes: number,
    /** Until when `connection_init` may come (undefined once it came, or with no limit). */
    public initBy: number | undefined,
  ) {}

  /**
   * Sends one message, without waiting for the write (a send that waited kept one promise and one flush
   * per message). When the bytes held for the socket pass `maxBufferedBytes`, they go to the kernel at once
   * (uncorked); what the kernel does not take is the client's unread backlog, and past the bound the client
   * is closed then, not at the next sweep: one event fanned out to many subscriptions of a connection that
   * does not read cannot buffer more than the bound plus one message.
   */
  write(message: string): void {
    const { socket, raw } = this;
    if (socket.readyState !== socket.OPEN) return;
    if (!corked.has(raw)) {
      if (corked.size === 0) setImmediate(uncorkAll);
      raw.cork();
      corked.add(raw);
    }
    socket.send(message);
    if (socket.bufferedAmount <= this.maxBufferedBytes) return;
    corked.delete(raw);
    raw.uncork();
    this.cutIfSlow(performance.now());
  }

  /**
   * Closes a client with more than `maxBufferedBytes` unsent (4429 `SUBSCRIPTION_SLOW_CONSUMER`); the
   * sweep cuts the socket a second later, since a client that does not read never gets the close frame.
   */
  cutIfSlow(now: number): boolean {
    const { socket } = this;
    if (this.cutAt !== undefined || socket.bufferedAmount <= this.maxBufferedBytes) return false;
    this.cutAt = now;
    this.logger.warn({ bufferedBytes: socket.bufferedAmount }, 'subscriptions: a slow WebSocket client was disconnected');
    socket.close(CLOSE_SLOW_CONSUMER, closeReason(`SUBSCRIPTION_SLOW_CONSUMER: more than ${this.maxBufferedBytes} bytes unread`));
    return true;
  }

  /** Closes with `code` and `reason`, cut to the 123 bytes a close frame holds (it may quote the client's id). */
  close(code: number, reason: string): void {
    this.socket.close(code, closeReason(reason));
  }

  /** A message from the client. */
  received(data: string): void {
    let message: Message;
    try {
      message = parseMessage(data);
    } catch {
      this.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        if (this.initReceived) {
          this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
          return;
        }
        this.initReceived = true;
        this.initBy = undefined;
        this.handler.connect(this, message.payload ?? undefined).then(
          (session) => this.connected(session),
          (error: unknown) => this.failed(error),
        );
        return;
      case MessageType.Ping:
        this.write(stringifyMessage(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }));
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        this.subscribe(message.id, message.payload);
        return;
      case MessageType.Complete: {
        // The client's: no `complete` goes back.
        this.operations.get(message.id)?.end();
        return;
      }
      default:
        // A server-to-client message type (`connection_ack`, `next`, `error`) from the client.
        this.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  private connected(session: Session | undefined): void {
    if (session === undefined) return;
    this.session = session;
    if (this.socket.readyState !== this.socket.OPEN) {
      // Closed while `connect` ran: `closed` gives back what the session holds (its token-expiry timer).
      this.handler.closed?.(this);
      return;
    }
    this.idleSince = performance.now();
    this.write(stringifyMessage({ type: MessageType.ConnectionAck }));
  }

  private subscribe(id: string, payload: SubscribePayload): void {
    if (this.session === undefined) {
      this.close(CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    if (this.operations.has(id)) {
      this.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      return;
    }
    const operation = new ServedOperation(this, id);
    this.operations.set(id, operation);
    this.idleSince = undefined;
    this.handler.subscribe(this, operation, payload).then(
      (outcome) => operation.started(outcome),
      (error: unknown) => {
        operation.end();
        this.failed(error);
      },
    );
  }

  /** An operation left `operations` (the sweep's idle timeout counts from the last one). */
  operationEnded(): void {
    if (this.operations.size === 0 && this.session !== undefined) this.idleSince = performance.now();
  }

  /** A handler that failed unexpectedly: logged, and the connection closed with 4500. */
  failed(error: unknown): void {
    this.logger.error({ err: error }, 'subscriptions: a WebSocket message failed');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  /** The socket closed: every operation ends (its stream returned, its work aborted). */
  ended(): void {
    for (const operation of this.operations.values()) operation.end();
    this.idleSince = undefined;
    this.handler.closed?.(this);
  }
}

/** A stream that sends its events itself (ObservedStream): to the operation's `deliver`, its end to `streamEnded`. */
interface SelfDelivering {
  /** Starts the deliveries; false when this stream cannot (it is then read with `next()`). */
  deliverItself(): boolean;
}

function isSelfDelivering(stream: object): stream is SelfDelivering {
  return typeof (stream as Partial<SelfDelivering>).deliverItself === 'function';
}

/**
 * One operation of a connection, from `subscribe` until it completes, fails, or the client completes it:
 * its abort controller (for the work in flight) and its stream. The gateway's subscriptions deliver their
 * events themselves and report their end (`streamEnded`), so an open subscription waits on nothing here;
 * any other stream is read with one pending `next()` at a time, not a suspended async function.
 */
export class ServedOperation<Session> {
  private readonly controller = new AbortController();
  private stream: EventStream | undefined = undefined;
  private parts: NextMessageParts | undefined = undefined;

  constructor(
    private readonly connection: GraphQLWsConnection<Session>,
    readonly id: string,
  ) {}

  /** Fires when the operation ends, however it ends. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Still the connection's operation under its id (not completed by the client, nor closed). */
  private get live(): boolean {
    return this.connection.operations.get(this.id) === this;
  }

  /** Sends one result as a `next` message (its JSON made once per result object, for every client that shares it). */
  deliver(result: ExecutionResult): void {
    this.connection.write(nextMessage((this.parts ??= nextMessageParts(this.id)), result));
  }

  started(outcome: readonly GraphQLError[] | ExecutionResult | EventStream): void {
    if (!this.live) {
      // Completed by the client, or the connection closed, while the operation was being prepared.
      if (isAsyncGenerator(outcome)) void outcome.return(undefined);
      return;
    }
    if (Array.isArray(outcome)) {
      this.end();
      this.connection.write(stringifyMessage({ id: this.id, type: MessageType.Error, payload: outcome.map((error) => error.toJSON()) }));
      return;
    }
    if (!isAsyncGenerator(outcome)) {
      this.deliver(outcome as ExecutionResult);
      this.complete();
      return;
    }
    this.stream = outcome;
    if (!isSelfDelivering(outcome) || !outcome.deliverItself()) this.pull();
  }

  /** A stream that delivers its events itself ended: `complete`, or `error` with what ended it. */
  streamEnded(error: unknown): void {
    if (!this.live) return;
    this.stream = undefined;
    if (error === undefined) this.complete();
    else this.fail(error);
  }

  /**
   * Reads the stream's next event. A stream that delivers its events itself (the gateway's subscriptions,
   * through `deliver`) settles this read only when it ends.
   */
  private pull(): void {
    this.stream!.next().then(
      (step) => {
        if (!this.live) return;
        if (step.done) {
          this.stream = undefined;
          this.complete();
          return;
        }
        this.deliver(step.value);
        this.pull();
      },
      (error: unknown) => {
        if (!this.live) return;
        this.stream = undefined;
        this.fail(error);
      },
    );
  }

  /** The stream failed: as graphql-ws reports it, one error with its message (and its extensions). */
  private fail(error: unknown): void {
    this.end();
    const cause = error instanceof Error ? error : new Error(String(error));
    this.connection.write(stringifyMessage({ id: this.id, type: MessageType.Error, payload: [new GraphQLError(cause.message, { originalError: cause }).toJSON()] }));
  }

  /** The operation ended by itself: `complete` goes to the client. */
  private complete(): void {
    this.end();
    this.connection.write(stringifyMessage({ id: this.id, type: MessageType.Complete }));
  }

  /** Leaves the connection's operations: the stream is returned and the work in flight aborted. */
  end(): void {
    if (!this.live) return;
    this.connection.operations.delete(this.id);
    this.connection.operationEnded();
    // The stream first, so that it ends as returned by the client, before the abort reaches its source.
    if (this.stream) void this.stream.return(undefined);
    this.controller.abort();
  }
}

/** `reason` cut to the 123 bytes of UTF-8 a close frame's reason may hold (RFC 6455 §5.5). */
function closeReason(reason: string): string {
  // A character is at least one byte: 123 characters are enough to start from, whatever the reason's length.
  let cut = reason.length > 123 ? reason.slice(0, 123) : reason;
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}
