import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.js';
import { withSerializedPayload } from './serialized-event.js';

/** Closes for a slow client: graphql-ws's convention for "too many requests". */
const CLOSE_SLOW_CONSUMER = 4429;

/** What the sweep knows of one socket. */
interface SocketState {
  /** The TCP socket under the WebSocket: corked for the rest of the turn when written to. */
  readonly raw: Socket;
  /** When the last keep-alive ping went out (ms, `performance.now()`). */
  pingedAt: number;
  /** Set while a ping waits for its pong. */
  awaitingPong: boolean;
  /** When the slow-client close was sent; the socket is cut off a second later. */
  cutAt: number | undefined;
}

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
 * buffer watch and idle timer per socket): with 10,000 connections the timers alone were ~40,000 objects.
 * The sweep pings, cuts off sockets whose pong is late, closes slow clients (more than `maxBufferedBytes`
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
  const server = makeServer(serverOptions);
  const { keepAliveMs, maxBufferedBytes, logger } = options;
  const sockets = new Map<WebSocket, SocketState>();
  const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs);

  const sweep = () => {
    const now = performance.now();
    for (const [socket, state] of sockets) {
      if (state.cutAt !== undefined) {
        if (now - state.cutAt >= 1_000) socket.terminate();
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
  /** Not waiting for the write: the sweep's maxBufferedBytes bounds what a slow client holds. */
  const send = (socket: WebSocket, raw: Socket, message: string) => {
    if (socket.readyState !== socket.OPEN) return;
    if (!corked.has(raw)) {
      if (corked.size === 0) setImmediate(uncorkAll);
      raw.cork();
      corked.add(raw);
    }
    socket.send(message);
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const { headers, url } = request;
    open(socket, request.socket, { socket, headers, url, remoteAddress: request.socket.remoteAddress });
  });

  /** Serves one connection; its closures keep the socket and `extra`, never the upgrade request. */
  function open(socket: WebSocket, raw: Socket, extra: SocketExtra) {
    sockets.set(socket, { raw, pingedAt: performance.now(), awaitingPong: false, cutAt: undefined });
    // `on`, not `once`: each fires at most once, and `once` adds a wrapper closure per socket and event.
    socket.on('error', onSocketError);
    socket.on('pong', onPong);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        // A send that waited for the write kept one promise and one flush per message.
        send: (data) => send(socket, raw, withSerializedPayload(data)),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'subscriptions: a WebSocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extra,
    );
    socket.on('close', (code: number, reason: Buffer) => {
      sockets.delete(socket);
      void closed(code, String(reason));
    });
  }

  function onPong(this: WebSocket) {
    const state = sockets.get(this);
    if (state) state.awaitingPong = false;
  }
  function onSocketError(this: WebSocket, error: Error) {
    logger.warn({ err: error }, 'subscriptions: a WebSocket failed');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  return {
    /** Sends a message outside graphql-ws (a subscription's `next` messages, serialized-event.ts), corked like its own. */
    send(socket, message) {
      const state = sockets.get(socket);
      if (state) send(socket, state.raw, message);
    },
    async dispose() {
      clearInterval(timer);
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      wss.removeAllListeners('connection');
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
