import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CorsHandler } from '../edge/cors.js';
import type { AtriumError } from '../errors.js';
import type { TlsFiles } from '../edge/load-tls.js';
import type { Logger } from '../logger.js';
import type { HttpRoute } from '../http/http-route.js';
import type { HttpResponseHookPayload } from './hooks.js';
import type { RequestContext } from '../request-context.js';
import type { HttpGraphQLRequest, HttpResponse } from '../http/graphql-exchange.js';

/** Options of `createHttpServer`. */
export interface HttpServerOptions {
  /** Path of the GraphQL endpoint, for example `/graphql`. */
  graphqlPath: string;
  /** Largest POST body accepted, in bytes; a larger one is answered 413 and its connection closed. */
  bodyLimitBytes: number;
  /** Largest request line plus headers (node:http's `maxHeaderSize`); larger ones are answered 431. Default 16 KiB. */
  maxHeaderSizeBytes?: number;
  logger: Logger;
  /** Runs one GraphQL-over-HTTP request (Apollo Server behind it). A throw is logged and answered 500. */
  handleGraphQL(request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse>;
  /**
   * Serves a GraphQL request that asks for a stream — `Accept: text/event-stream` (GraphQL over SSE, `sse`)
   * or `Accept: multipart/mixed;subscriptionSpec=1.0` (Apollo's multipart subscriptions, `multipart`) —
   * after the body was read and checked like any POST. Without it such requests go to `handleGraphQL`. Its
   * context has no request deadline: the stream lives as long as the subscription.
   */
  handleStream?(kind: StreamKind, req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  /** Extra endpoints (plugins' `routes`), tried in order for paths other than GraphQL and the probes. */
  routes?: readonly HttpRoute[];
  /** Accept a JSON array body (a batch) on the GraphQL endpoint; otherwise it is refused with 400. */
  batching?: boolean;
  /** CORS for every path (see `createCorsHandler`); preflights are answered before routing. */
  cors?: CorsHandler;
  /** Headers every response carries (security headers). */
  responseHeaders?: readonly (readonly [string, string])[];
  /** Serve HTTPS with this certificate and key instead of HTTP. */
  tls?: TlsFiles;
  /** `/health`: 200 `{"status":"pass"}` while true, else 503. */
  isLive(): boolean;
  /**
   * Overall deadline of one request in ms, read per request (it may change on reload); 0 = none. When it
   * passes, the request's `context.signal` aborts with a GATEWAY_TIMEOUT `AtriumError` as its reason.
   */
  requestTimeoutMs?(): number;
  /**
   * Called after every answered request except the probes (plugins' `onHttpResponse` hooks). When given,
   * each context carries `receivedAt`.
   */
  onResponse?(payload: HttpResponseHookPayload): void;
  /**
   * A request to the GraphQL endpoint refused for its body (malformed JSON, not an object, wrong content
   * type, over the limit): the plugins' `onRefusedRequest` hooks, which may count it and answer with
   * another error (a 429) instead. Without it the refusal is answered as it is.
   */
  onRefusedRequest?(context: RequestContext, refusal: AtriumError): Promise<AtriumError | undefined>;
  /**
   * node:http's `headersTimeout`: the request line and headers must arrive within it, else 408
   * REQUEST_TIMEOUT and the connection is closed. Default 10 s.
   */
  headersTimeoutMs?: number;
  /** node:http's `requestTimeout`: the whole request (headers and body) within it, else 408. Default 30 s. */
  receiveTimeoutMs?: number;
  /**
   * The browser page of the GraphQL path (the IDE): asked first for every request to that path, and serves
   * it instead of GraphQL when `wantsPage` says so.
   */
  graphqlPage?: {
    wantsPage(req: IncomingMessage, search: string): boolean;
    servePage(req: IncomingMessage, res: ServerResponse): void;
  };
  /**
   * `GET /` when no route serves it: a 302 to `redirectBrowsersTo` for a browser (`Accept: text/html`) when
   * set, else a JSON object `{ links }` naming the gateway's endpoints.
   */
  home?: { links: Readonly<Record<string, string>>; redirectBrowsersTo?: string };
  /** `/ready`: 200 or 503 with `{ status, ...details }`. */
  readiness(): { ready: boolean; details: Record<string, unknown> };
}

/** A started-or-not HTTP server. */
export interface HttpServer {
  /** Starts listening; port 0 picks a free port. */
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /**
   * Stops accepting connections, closes idle keep-alive connections at once, lets requests in flight finish
   * for up to `graceMs`, then closes every connection. Resolves when the server is closed.
   */
  close(graceMs: number): Promise<void>;
  readonly server: Server;
}

/** The streaming protocols a GraphQL request may ask for in its Accept header. */
export type StreamKind = 'sse' | 'multipart';
