import { z } from 'zod';
import { byteSize, duration, flag, integer } from '../../config/units.js';

// The `subscriptions` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default. Where each subgraph's subscriptions are sent is `traffic.subgraphs.<name>.subscriptionUrl`.

/** The `subscriptions` section: GraphQL subscriptions over WebSocket and SSE, and their limits. */
export const subscriptionsSchema = z
  .object({
    /**
     * Serve subscriptions: GraphQL over WebSocket (`graphql-transport-ws`) on `server.graphqlPath`, and
     * GraphQL over SSE (`Accept: text/event-stream`, distinct connections). Off: upgrades are refused and
     * subscriptions answer 400 SUBSCRIPTIONS_NOT_SUPPORTED.
     * @default true
     */
    enabled: flag().default(true),
    /**
     * Most operations (subscriptions, and queries sent over the socket) open at once on one WebSocket
     * connection; one more is answered with TOO_MANY_SUBSCRIPTIONS and the others go on. An SSE connection
     * carries one subscription.
     * @default 100
     */
    maxPerConnection: integer(1, 100_000).default(100),
    /**
     * Most subscriptions one client may hold open at once, over every connection and transport. A client
     * is its principal (`clientId`, else the token's subject) when authenticated, else its address. One
     * more is answered with TOO_MANY_SUBSCRIPTIONS (HTTP 429 before a multipart stream starts).
     * @default 1000
     */
    maxPerClient: integer(1, 10_000_000).default(1000),
    /**
     * Most streaming connections one client address may hold open at once: WebSocket connections, SSE
     * and multipart streams together. One more is refused with HTTP 429 TOO_MANY_CONNECTIONS before the
     * WebSocket handshake (or before the stream starts).
     * @default 1000
     */
    maxConnectionsPerAddress: integer(1, 10_000_000).default(1000),
    /**
     * Largest event, serialized as JSON; a larger one ends its subscription with a
     * SUBSCRIPTION_EVENT_TOO_LARGE error (the client's other subscriptions go on). A number of bytes or a
     * size string such as `"256kb"`.
     * @default "1mb"
     */
    maxEventBytes: byteSize().default(1024 * 1024),
    /**
     * Slow-client bound: when more than this many bytes wait in a client's socket (its WebSocket's
     * `bufferedAmount`, its SSE response's unsent bytes), the client is disconnected (WebSocket close 4429,
     * or the SSE response is ended) and its upstream subscriptions are closed, so one slow reader cannot make
     * the gateway hold every event for it.
     * @default "4mb"
     */
    maxBufferedBytes: byteSize().default(4 * 1024 * 1024),
    /**
     * Interval of WebSocket keep-alive pings; a client that does not answer with a pong within the same
     * interval is disconnected. `0` turns pings off. (SSE streams get a comment line every 12 s from
     * graphql-sse.)
     * @default "12s"
     */
    keepAlive: duration().default(12_000),
    /**
     * Interval of the heartbeat parts (`{}`) of multipart HTTP subscriptions
     * (`Accept: multipart/mixed;subscriptionSpec=1.0`), which keep proxies from closing an idle response.
     * @default "5s"
     */
    multipartHeartbeat: duration().refine((ms) => ms >= 100, { message: "must be at least 100ms" }).default(5_000),
    /**
     * How long a new WebSocket may take to send `connection_init`; it is then closed with 4408 (by the
     * sweep over all sockets, so up to one sweep period later: at most a second, less for short timeouts).
     * @default "3s"
     */
    connectionInitTimeout: duration().default(3_000),
    /**
     * How long a WebSocket connection may stay open with no operation running on it; it is then closed
     * with 1000 (normal closure, reason `IDLE_TIMEOUT`), which graphql-ws clients take quietly and reopen
     * when they next subscribe. `0` keeps idle connections open.
     * @default "60s"
     */
    idleTimeout: duration().default(60_000),
    /**
     * End a subscription when the JWT it was authenticated with expires (its `exp` claim): a WebSocket
     * connection is closed with 4403 and reason `TOKEN_EXPIRED: …` (graphql-ws clients reconnect, so a
     * `connectionParams` function can send a fresh token), an SSE or multipart stream gets a last
     * TOKEN_EXPIRED error. Off: a subscription outlives its token.
     * @default true
     */
    closeOnTokenExpiry: flag().default(true),
    /**
     * After a supergraph reload, how long subscriptions started on the previous supergraph keep running
     * on it; then a WebSocket connection holding one is closed with 1012 (service restart, a close
     * graphql-ws clients reconnect after), an SSE stream ends without `complete`, and a multipart stream
     * ends with a SUPERGRAPH_CHANGED error, so clients subscribe again on the new supergraph. Unset: they
     * run on the previous supergraph until they end.
     * @default unset (no limit)
     */
    reloadGrace: duration().optional(),
    /** Subscribing to a subgraph again when its WebSocket closes or fails. */
    upstreamReconnect: z
      .object({
        /**
         * Reconnects tried after an upstream WebSocket closes or fails (not after the subgraph sent an
         * error or completed); every open operation on it is subscribed again. Events the subgraph
         * published in between are lost. `0`: the client's subscription ends with an error naming the
         * subgraph.
         * @default 0
         */
        attempts: integer(0, 1000).default(0),
        /**
         * Wait before the first reconnect; it doubles on each further attempt (at most 30 s), with a
         * random 0–50% added so many gateways do not reconnect at once.
         * @default "1s"
         */
        delay: duration().default(1_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The parsed `subscriptions` section. */
export type SubscriptionsConfig = z.output<typeof subscriptionsSchema>;
