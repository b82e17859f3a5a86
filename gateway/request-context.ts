import type { IncomingHttpHeaders } from 'node:http';

/**
 * What Atrium knows about one client request; created by the server for each HTTP request and passed to
 * every hook. Plugins keep their own per-request state in a `WeakMap<RequestContext, T>`.
 */
export interface RequestContext {
  readonly requestId: string;
  /** `performance.now()` when the request arrived (set by the HTTP server); spans and latencies start here. */
  readonly receivedAt?: number;
  readonly http: {
    readonly method: string;
    /** Path and query string as received. */
    readonly url: string;
    readonly headers: IncomingHttpHeaders;
    readonly remoteAddress: string | undefined;
  };
  /**
   * True when the operation comes from the gateway's own configuration (a REST route), not from the
   * client: trusted-document checks (`persistedDocuments.onlyTrusted`) let it through. Limits still apply.
   */
  trusted?: boolean;
  /**
   * `websocket` for a WebSocket's `connection_init` and each operation on it: no HTTP response follows, so
   * `onHttpResponse` never runs for the context (the observability plugin starts no request span for it).
   */
  readonly transport?: 'websocket';
  /** Set by the auth plugin; `undefined` for anonymous requests. */
  principal: Principal | undefined;
  /**
   * Set by the engine when this request got the result of an identical request's execution
   * (`engine.dedupe`): no subgraph fetch ran for it, so its `onSubgraphFetch` hooks saw nothing.
   */
  sharedExecution?: boolean;
  /** Response headers that hooks want sent (lower-case names). */
  readonly responseHeaders: Map<string, string | string[]>;
  /** Aborted when the client goes away or the request deadline passes. */
  readonly signal: AbortSignal;
}

/** The verified identity of a caller. */
export interface Principal {
  readonly clientId: string | undefined;
  readonly subject: string | undefined;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
}
