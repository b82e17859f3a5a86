import { z } from 'zod';
import { byteSize, duration, flag, integer } from '../config/units.js';
import { tlsSchema } from '../edge/config.js';

// The `server` and `graphql` sections of gateway.yaml, one part of the schema gateway/config/schema.ts
// assembles. docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field
// carries one, with its default.

const DEFAULT_IDE_QUERY = `# Atrium's GraphQL IDE. Write an operation and run it with Ctrl-Enter (or the run button).
# Credentials go in the Headers tab below, e.g. {"authorization": "Bearer <token>"}.
{
  __typename
}
`;

/** The `server.ide` section: the GraphQL IDE a browser gets on the GraphQL path. */
export const ideSchema = z
  .object({
    /**
     * Serve GraphiQL (bundled into the package: no CDN, works offline, no telemetry) to a browser's `GET` of
     * the GraphQL path (`Accept: text/html`, no `query` parameter), with a Content-Security-Policy of its own
     * for that page only; `GET /` then redirects browsers to it. Off: such a request gets a GraphQL error, as
     * any other client would.
     * @default true, but false when NODE_ENV is "production"
     */
    enabled: flag().optional(),
    /**
     * The operation a new editor tab shows, for example a query over your graph with a comment saying which
     * header carries credentials.
     * @default a comment on how to use the IDE, and `{ __typename }`
     */
    defaultQuery: z.string().min(1).default(DEFAULT_IDE_QUERY),
    /**
     * The Headers editor's initial text, a JSON object such as `{"x-api-key": ""}`. Headers typed there are
     * sent with every operation (authentication works as for any client).
     * @default empty
     */
    defaultHeaders: z.string().optional(),
  })
  .strict();

/** The `server` section: where the HTTP server listens and what it accepts. */
export const serverSchema = z
  .object({
    /**
     * Interface the HTTP server listens on. `0.0.0.0` listens on all IPv4 interfaces, `::` on all
     * interfaces, `127.0.0.1` on loopback only.
     * @default "0.0.0.0"
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1).default('0.0.0.0'),
    /**
     * TCP port of the HTTP server; `0` picks a free port (tests).
     * @default 4000
     */
    port: integer(0, 65_535).default(4000),
    /**
     * Path at which GraphQL is served (POST and GET).
     * @default "/graphql"
     */
    graphqlPath: z
      .string({ error: 'expected a path starting with "/"' })
      .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
      .default('/graphql'),
    /**
     * Largest request body accepted; larger bodies get 413 PAYLOAD_TOO_LARGE. A body with
     * `content-encoding: gzip`, `deflate` or `br` is decoded, and the limit holds for the encoded and the
     * decoded bytes (inflating stops at the limit). It also bounds each message a client sends over a
     * subscription WebSocket (a larger one closes the socket with 1009). A number of bytes or a size string
     * such as `"512kb"`, `"1mb"` (binary units: 1mb = 1048576 bytes).
     * @default "1mb"
     */
    bodyLimit: byteSize().default(1024 * 1024),
    /**
     * Largest request line plus headers accepted (node:http's `maxHeaderSize`); larger ones get 431
     * REQUEST_HEADER_FIELDS_TOO_LARGE with a JSON error body, and the connection is closed. Raise it for
     * clients that send big cookies or tokens. A number of bytes or a size string such as `"32kb"`.
     * @default "16kb"
     */
    maxHeaderSize: byteSize().default(16 * 1024),
    /**
     * How long a client may take to send the request line and headers; slower ones (slow-loris) get 408
     * REQUEST_TIMEOUT and the connection is closed. A duration such as `"10s"`; at most `receiveTimeout`.
     * @default "10s"
     */
    headersTimeout: duration().default(10_000),
    /**
     * How long a client may take to send a whole request, headers and body; a slower one gets 408
     * REQUEST_TIMEOUT and the connection is closed. This bounds receiving only: the gateway's own work is
     * bounded by `traffic.requestTimeout`.
     * @default "30s"
     */
    receiveTimeout: duration().default(30_000),
    /**
     * On SIGTERM or SIGINT, how long the gateway waits for in-flight requests to finish before closing
     * their connections. A number of milliseconds or a duration string such as `"10s"`.
     * @default "10s"
     */
    shutdownGrace: duration().default(10_000),
    /**
     * TLS termination: with `cert` and `key` the gateway serves HTTPS (node:https) instead of HTTP.
     * @default off (plain HTTP)
     */
    tls: tlsSchema.optional(),
    /** The GraphQL IDE for browsers (GraphiQL) on the GraphQL path. */
    ide: ideSchema.prefault({}),
  })
  .strict()
  .superRefine((value, ctx) => {
    // node:http refuses a headers timeout longer than the request timeout.
    if (value.headersTimeout > value.receiveTimeout) {
      ctx.addIssue({ code: 'custom', path: ['headersTimeout'], message: `must not be longer than receiveTimeout (${value.receiveTimeout} ms)` });
    }
  });

/** The `graphql` section: introspection and CSRF prevention of the GraphQL endpoint. */
export const graphqlSchema = z
  .object({
    /**
     * Whether clients may introspect the API schema (`__schema`, `__type`). Turn off in production if the
     * schema is not public.
     * @default true
     */
    introspection: flag().default(true),
    /**
     * Reject requests that a browser could send cross-site without a preflight (GET or simple POST
     * without a `content-type: application/json`, `apollo-require-preflight` or `x-apollo-operation-name`
     * header), as Apollo Server's CSRF prevention does.
     * @default true
     */
    csrfPrevention: flag().default(true),
    /**
     * Moved to `limits.maxDepth` (which also has a `measure` mode); setting it here is a config error that
     * says so.
     * @default not allowed
     */
    maxDepth: z.never({ error: 'moved to limits.maxDepth (see limits.mode for enforce or measure)' }).optional(),
  })
  .strict();
