import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.js';
import { withSerializedPayload } from './serialized-event.js';

/** Closes for a slow client: graphql-ws's convention for "too many requests". */
const CLOSE_SLOW_CONSUMER = 4429;

/**
 * What graphql-ws's context keeps of a connection (`ctx.extra`): the socket and what the upgrade request
 * said, without the request itself, which would hold its raw headers, parser state and strings for as
 * long as the connection lives (~1 KB each of 10,000 idle connections).
 */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly headers: IncomingHttpHeaders;
  readonly url: string | undefined;
  readonly remoteAddress: string | undefined;
}

export interface SocketSweepOptions {
  /** Ping every socket this often, and cut off one whose pong does not come within as long (`subscriptions.keepAlive`); 0: never. */
  readonly keepAliveMs: number;
  /** A client with more unsent bytes than this is closed with 4429 (`subscriptions.maxBufferedBytes`). */
  readonly maxBufferedBytes: number;
  /** Per socket on every sweep, after the keep-alive and buffer checks (the idle timeout). */
  readonly onSweep?: (socket: WebSocket, now: number) => void;
  /** How often the sweep runs at most (ms). Default 1000. */
  readonly periodMs?: number;
  readonly logger: Logger;
}

/**
 * graphql-ws's server (`makeServer`) on a `ws` server, as `graphql-ws/use/ws`'s `useServer` does, with one
 * timer for every socket instead of a ping interval and a pong timeout per socket (and the gateway's
 * buffer watch, idle timer and graphql-ws's `connection_init` timer per socket): with 10,000 connections
 * the timers alone were ~50,000 objects. The sweep closes connections whose `connection_init` did not
 * come within `connectionInitWaitTimeout` (4408, as graphql-ws does, up to one period late), pings, cuts
 * off sockets whose pong is late, closes slow clients (more than `maxBufferedBytes`
 * unsent: sends do not wait for the write, so a client that stops reading shows there) and cuts them off
 * a second later if they never answer the close. Messages graphql-ws sends
 * with a pre-serialized event (serialized-event.ts) get that event's JSON spliced in.
 *
 * @example
 * const served = serveWebSockets(wss, { onConnect, onSubscribe, ... }, { keepAliveMs: 12_000, maxBufferedBytes, logger });
 * await served.dispose();
 */
export function serveWebSockets(
  wss: WebSocketServer,
  serverOptions: ServerOptions<Record<string, unknown>, SocketExtra>,
  options: SocketSweepOptions,
): { send(socket: WebSocket, message: string): void; dispose(): Promise<void> } {
  const { keepAliveMs, maxBufferedBytes, logger } = options;
  const initWaitMs = serverOptions.connectionInitWaitTimeout ?? 3_000;
  const sockets = new Map<WebSocket, ServedSocket>();
  const server = makeServer({
    ...serverOptions,
    // The sweep closes connections whose connection_init is late: graphql-ws's own timer per connection
    // stayed referenced by its closure for as long as the connection lived.
    connectionInitWaitTimeout: 0,
    onConnect(ctx) {
      const served = sockets.get(ctx.extra.socket);
      if (served) served.initBy = undefined;
      return serverOptions.onConnect?.(ctx);
    },
  });
  const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs);
  const initWait = initWaitMs > 0 && Number.isFinite(initWaitMs);

  const sweep = () => {
    const now = performance.now();
    for (const [socket, state] of sockets) {
      if (state.cutAt !== undefined) {
        if (now - state.cutAt >= 1_000) socket.terminate();
        continue;
      }
      if (state.initBy !== undefined && now >= state.initBy) {
        state.initBy = undefined;
        socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
        continue;
      }
      if (socket.bufferedAmount > maxBufferedBytes) {
        state.cutAt = now;
        logger.warn({ bufferedBytes: socket.bufferedAmount }, 'subscriptions: a slow WebSocket client was disconnected');
        socket.close(CLOSE_SLOW_CONSUMER, `SUBSCRIPTION_SLOW_CONSUMER: more than ${maxBufferedBytes} bytes unread`.slice(0, 123));
        continue;
      }
      if (keepAlive && socket.readyState === socket.OPEN) {
        if (state.awaitingPong && now - state.pingedAt >= keepAliveMs) {
          socket.terminate();
          continue;
        }
        if (!state.awaitingPong && now - state.pingedAt >= keepAliveMs) {
          state.pingedAt = now;
          state.awaitingPong = true;
          socket.ping();
        }
      }
      options.onSweep?.(socket, now);
    }
  };
  const timer = setInterval(sweep, options.periodMs ?? 1_000);
  timer.unref();

  // Sockets written to in this turn of the event loop, corked until the next: a client that several events
  // reach in one turn (the gateway catching up on a backlog) gets them in one write, not one each.
  const corked = new Set<Socket>();
  const uncorkAll = () => {
    for (const raw of corked) raw.uncork();
    corked.clear();
  };

  /**
   * One connection: graphql-ws's socket (`send`, `close`, `onMessage`) and what the sweep knows of it, in
   * one object with its methods on the prototype and the socket's listeners shared by all connections
   * (closures per connection were ~400 bytes of each of 10,000 idle ones). It keeps the socket and
   * `extra`, never the upgrade request.
   */
  class ServedSocket {
    /** When the last keep-alive ping went out (ms, `performance.now()`). */
    pingedAt = performance.now();
    /** Set while a ping waits for its pong. */
    awaitingPong = false;
    /** When the slow-client close was sent; the socket is cut off a second later. */
    cutAt: number | undefined = undefined;
    /** Until when `connection_init` may come (undefined once it came). */
    initBy: number | undefined = initWait ? this.pingedAt + initWaitMs : undefined;
    handle: ((data: string) => Promise<void>) | undefined = undefined;
    closed: ((code: number, reason: string) => Promise<void>) | undefined = undefined;

    constructor(
      readonly ws: WebSocket,
      /** The TCP socket under the WebSocket: corked for the rest of the turn when written to. */
      readonly raw: Socket,
    ) {}

    get protocol(): string {
      return this.ws.protocol;
    }

    /**
     * Not waiting for the write: the sweep's maxBufferedBytes bounds what a slow client holds, and a send
     * that waited kept one promise and one flush per message.
     */
    send(data: string): void {
      this.write(withSerializedPayload(data));
    }

    write(message: string): void {
      const { ws, raw } = this;
      if (ws.readyState !== ws.OPEN) return;
      if (!corked.has(raw)) {
        if (corked.size === 0) setImmediate(uncorkAll);
        raw.cork();
        corked.add(raw);
      }
      ws.send(message);
    }

    close(code?: number, reason?: string): void {
      this.ws.close(code, reason);
    }

    onMessage(handle: (data: string) => Promise<void>): void {
      this.handle = handle;
    }
  }

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const served = new ServedSocket(socket, request.socket);
    sockets.set(socket, served);
    // `on`, not `once`: each fires at most once, and `once` adds a wrapper closure per socket and event.
    socket.on('error', onSocketError);
    socket.on('pong', onPong);
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
    const extra: SocketExtra = { socket, headers: request.headers, url: request.url, remoteAddress: request.socket.remoteAddress };
    served.closed = server.opened(served, extra);
  });

  function onSocketMessage(this: WebSocket, data: Buffer) {
    const handle = sockets.get(this)?.handle;
    handle?.(String(data)).catch((error: unknown) => {
      logger.error({ err: error }, 'subscriptions: a WebSocket message failed');
      this.close(CloseCode.InternalServerError, 'Internal server error');
    });
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const served = sockets.get(this);
    sockets.delete(this);
    void served?.closed?.(code, String(reason));
  }
  function onPong(this: WebSocket) {
    const served = sockets.get(this);
    if (served) served.awaitingPong = false;
  }
  function onSocketError(this: WebSocket, error: Error) {
    logger.warn({ err: error }, 'subscriptions: a WebSocket failed');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  return {
    /** Sends a message outside graphql-ws (a subscription's `next` messages, serialized-event.ts), corked like its own. */
    send(socket, message) {
      sockets.get(socket)?.write(message);
    },
    async dispose() {
      clearInterval(timer);
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      wss.removeAllListeners('connection');
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
