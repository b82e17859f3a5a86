import type { DocumentNode } from 'graphql';
import type { AtriumError } from '../errors.js';
import type { HttpRoute } from '../http/http-route.js';
import type { RequestContext } from '../request-context.js';

/**
 * The server's hook contract: what runs around the HTTP exchange and before validation. The server calls
 * these hooks in the order they are listed; each gets one payload object and may `reject` with an
 * `AtriumError` (the request ends with that error's code and HTTP status).
 *
 * Order: onRequest (HTTP, before parsing) → parse → onDocument → validate → (the engine's hooks) →
 * onHttpResponse.
 */
export interface ServerHooks {
  onRequest?(payload: RequestHookPayload): void | Promise<void>;
  /**
   * A request the server refused for its body before `onRequest` ran: malformed JSON, a body that is not
   * an object, a wrong content type, a body over `server.bodyLimit` or in an encoding it does not decode
   * (on `/graphql` and on REST routes). Nobody is authenticated yet. The place to count such requests;
   * `reject` answers with another error instead of the refusal (a 429).
   */
  onRefusedRequest?(payload: RefusedRequestHookPayload): void | Promise<void>;
  onDocument?(payload: DocumentHookPayload): void | Promise<void>;
  /**
   * After the gateway has answered any HTTP request except the probes — including the ones it refused
   * before GraphQL ran (400, 404, 413) or a hook rejected in `onRequest` (401, 429): the place for access
   * logs and request metrics. Runs after the response is written; it cannot change it.
   */
  onHttpResponse?(payload: HttpResponseHookPayload): void;
  /**
   * Extra HTTP endpoints served on the gateway's port (for example `GET /metrics`). The server tries them,
   * in order, for every path that is not the GraphQL endpoint or a probe.
   */
  readonly routes?: readonly HttpRoute[];
  /**
   * Where the GraphQL handler looks up persisted queries (trusted documents, APQ). The first store given
   * serves them; without any, hash-only requests get PERSISTED_QUERY_NOT_SUPPORTED.
   */
  readonly persistedQueries?: PersistedQueryStore;
}

/**
 * Before the GraphQL request is parsed (the HTTP body is read, nothing else): the place for
 * authentication and request-count limits. The context's principal may be set here.
 */
export interface RequestHookPayload {
  readonly context: RequestContext;
  /** GraphQL operations the request carries: a batch's length, else 1. Request-count limits count these. */
  readonly operations: number;
  reject(error: AtriumError): void;
}

/** A request refused for its body; see {@link ServerHooks.onRefusedRequest}. */
export interface RefusedRequestHookPayload {
  readonly context: RequestContext;
  /** The refusal the client gets unless a hook rejects with another error. */
  readonly refusal: AtriumError;
  reject(error: AtriumError): void;
}

/**
 * After parsing, before validation (which is the expensive part for hostile documents), for every
 * operation, also when the parsed document comes from the document cache: the place for operation limits
 * and trusted-document checks. The document is syntactically valid but not yet validated. A rejection
 * here answers with status 400 (Apollo Server reports it as a validation failure) and the error's own
 * code and extensions; checks that need another status belong in onOperation.
 */
export interface DocumentHookPayload {
  readonly context: RequestContext;
  /** The query text (for a persisted query, the text the id resolved to). */
  readonly source: string;
  /** The persisted-query id the client sent, or the SHA-256 (hex) of `source`. */
  readonly queryHash: string;
  readonly document: DocumentNode;
  reject(error: AtriumError): void;
}

/** Persisted query texts by id; `register` is called for APQ registrations (`{ query, persistedQuery }`). */
export interface PersistedQueryStore {
  get(id: string): Promise<string | undefined>;
  register(id: string, query: string): Promise<void>;
}

/** One answered HTTP request. */
export interface HttpResponseHookPayload {
  /** The request's id (also on `context`, which not every request gets). */
  readonly requestId: string;
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  readonly status: number;
  /** From the arrival of the request to the end of its response, in ms. */
  readonly durationMs: number;
  /** Codes of the GraphQL errors in the response (`extensions.code`), in order; empty when none. */
  readonly errorCodes: readonly string[];
  /**
   * The request context when the request got one (GraphQL requests with a usable body, plugin routes);
   * `undefined` for requests refused while the body was read or checked (413, malformed JSON, 404).
   */
  readonly context: RequestContext | undefined;
}
