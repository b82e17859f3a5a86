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
     * Largest event, serialized as JSON; a larger one is replaced by a SUBSCRIPTION_EVENT_TOO_LARGE error
     * and the subscription goes on. A number of bytes or a size string such as `"256kb"`.
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
     * How long a new WebSocket may take to send `connection_init`; it is then closed with 4408.
     * @default "3s"
     */
    connectionInitTimeout: duration().default(3_000),
  })
  .strict();

/** The parsed `subscriptions` section. */
export type SubscriptionsConfig = z.output<typeof subscriptionsSchema>;
