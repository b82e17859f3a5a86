import { GraphQLError } from 'graphql';

/**
 * The one table of Atrium's error codes. Each code maps to the HTTP status a response carries when the
 * error decides the status, and a description; docs/errors.md is generated from this table
 * (`npm run docs`). Codes reuse the names peers already use (Apollo Router, Apollo Server, Hive).
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, description: 'The HTTP request is malformed: bad JSON, a body that is not an object, a wrong content type or a missing query.' },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'The query string is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, description: 'The operation does not validate against the API schema (unknown field, wrong argument, too deep, ...).' },
  BAD_USER_INPUT: { status: 400, description: 'A variable is missing or does not coerce to its declared type.' },
  OPERATION_NOT_FOUND: { status: 400, description: 'operationName names no operation in the document, or the document holds several operations and none is named.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'A mutation was sent over GET, or the HTTP method is not allowed on this path.' },
  NOT_ACCEPTABLE: { status: 406, description: 'The Accept header names no media type the gateway answers with: `application/json`, `application/graphql-response+json`, `multipart/mixed;deferSpec=20220824` (@defer), `multipart/mixed;subscriptionSpec=1.0` or `text/event-stream` (subscriptions).' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the configured limit (server.bodyLimit), counted before and after decompression.' },
  REQUEST_HEADER_FIELDS_TOO_LARGE: { status: 431, description: 'The request line and headers exceed server.maxHeaderSize; the connection is closed.' },
  REQUEST_TIMEOUT: { status: 408, description: 'The request line and headers did not arrive within server.headersTimeout, or the whole request within server.receiveTimeout; the connection is closed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request body has a content-encoding the gateway does not decode (it decodes gzip, deflate and br), or a JSON body a charset other than UTF-8.' },
  NOT_FOUND: { status: 404, description: 'No route is served at this path.' },
  UNAUTHENTICATED: { status: 401, description: 'Credentials are missing or invalid.' },
  FORBIDDEN: { status: 403, description: 'The principal is not allowed to run this operation.' },
  UNAUTHORIZED_FIELD_OR_TYPE: { status: 200, description: 'A field was removed because the principal may not see it; its path is null.' },
  COST_ESTIMATED_TOO_EXPENSIVE: { status: 400, description: 'The estimated cost of the operation exceeds the per-operation maximum.' },
  RATE_LIMITED: { status: 429, description: 'The client has spent its budget; retry after the Retry-After header.' },
  AUTH_RATE_LIMITED: { status: 429, description: 'Too many failed authentications from the client\'s address (rateLimit.failedAuth): the address is locked out for the window and its requests with credentials are refused unchecked; retry after the Retry-After header.' },
  QUERY_PLANNING_FAILED: { status: 400, description: 'The query planner cannot plan the operation (for example, it nests past the planner\'s parsing limit). An unplannable operation is the client\'s answer, never a 500; the planner\'s reason is logged.' },
  SUBGRAPH_TIMEOUT: { status: 504, description: 'A subgraph did not answer within its timeout.' },
  SUBGRAPH_UNAVAILABLE: { status: 502, description: 'A subgraph could not be reached (connection refused or reset, DNS failure).' },
  SUBGRAPH_BAD_RESPONSE: { status: 502, description: 'A subgraph answered with a non-2xx status, a non-JSON body or a body that is not a GraphQL response.' },
  SUBGRAPH_RESPONSE_TOO_LARGE: { status: 502, description: 'A subgraph\'s response body passed its maxResponseSize (traffic.all or traffic.subgraphs.<name>; by its content-length or while streaming); the fetch was aborted, its paths are null and the rest of the operation is answered. Not retried.' },
  SUBGRAPH_ERROR: { status: 200, description: 'A subgraph returned a GraphQL error; it is passed on with its path (the subgraph is named in extensions.serviceName).' },
  RESPONSE_VALIDATION_FAILED: { status: 200, description: 'A value in the subgraphs\' answers is not valid for the API schema (an enum value the API does not expose, a null for a non-null field that no failed fetch explains, a value of the wrong type); the field is null, with null propagation.' },
  CLIENT_CLOSED_REQUEST: { status: 499, description: 'The client closed the connection while its operation waited for an execution slot (engine.maxConcurrentOperations); nothing was sent to a subgraph.' },
  SUPERGRAPH_NOT_READY: { status: 503, description: 'No supergraph is loaded yet.' },

  // ── codes: cost ──
  COST_QUERY_PARSE_FAILURE: { status: 400, description: 'The operation cannot be costed: a list field whose @listSize requires exactly one slicing argument got none or several.' },
  QUOTA_STORE_UNAVAILABLE: { status: 503, description: 'The quota store (Redis) failed and quotaStore.onStoreError is deny; retry after the Retry-After header.' },

  // ── codes: rest ──
  RESOURCE_NOT_FOUND: { status: 404, description: 'A REST route\'s operation answered null for the value the route selects, without an error: the resource does not exist.' },
  REST_ROUTE_UNAVAILABLE: { status: 503, description: 'A REST route no longer validates against the current supergraph (a schema reload broke it); the detail says why. The other routes keep serving.' },

  // ── codes: traffic ──
  GATEWAY_TIMEOUT: { status: 504, description: 'The request did not complete within traffic.requestTimeout; fetches still running were abandoned and the data already fetched is returned.' },

  // ── codes: edge ──
  MAX_DEPTH_EXCEEDED: { status: 400, description: 'The operation nests deeper than limits.maxDepth; extensions say { limit, max, actual }.' },
  MAX_ALIASES_EXCEEDED: { status: 400, description: 'The operation uses more aliases than limits.maxAliases; extensions say { limit, max, actual }.' },
  MAX_ROOT_FIELDS_EXCEEDED: { status: 400, description: 'The operation selects more root fields than limits.maxRootFields; extensions say { limit, max, actual }.' },
  MAX_TOKENS_EXCEEDED: { status: 400, description: 'The query text has more tokens than limits.maxTokens; extensions say { limit, max, actual } (actual is max + 1 when the parser stopped early).' },
  MAX_DIRECTIVES_EXCEEDED: { status: 400, description: 'The operation uses more directives than limits.maxDirectives; extensions say { limit, max, actual }.' },
  MAX_SELECTIONS_EXCEEDED: { status: 400, description: 'The operation expands (fragment spreads inlined) to more field selections than limits.maxSelections; extensions say { limit, max, actual }. Measured without expanding, before validation.' },
  MAX_NAME_LENGTH_EXCEEDED: { status: 400, description: 'A name in the operation (alias, field, argument, variable, fragment, operation, type) or a @defer label is longer than limits.maxNameLength characters (answers repeat aliases and labels for every list item, and validation errors quote names); extensions say { limit, max, actual }. Checked before validation.' },
  BATCH_TOO_LARGE: { status: 400, description: 'A batched request holds more operations than limits.maxBatchSize; extensions say { limit, max, actual }.' },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, description: 'The persisted query id is neither in the trusted-documents manifest nor registered by APQ; an APQ client then resends the query with its hash (Apollo\'s protocol).' },
  PERSISTED_QUERY_NOT_SUPPORTED: { status: 200, description: 'The request names a persisted query but persisted queries are off (persistedDocuments.apq.enabled: false and no manifest).' },
  PERSISTED_QUERY_HASH_MISMATCH: { status: 400, description: 'An automatic persisted query registration whose sha256Hash is not the SHA-256 of its query; nothing is registered.' },
  PERSISTED_QUERY_NOT_IN_LIST: { status: 400, description: 'persistedDocuments.onlyTrusted is on and the operation is not in the trusted-documents manifest.' },
  INTROSPECTION_NOT_ALLOWED: { status: 403, description: 'Introspection is allowed only for principals holding security.introspectionScope.' },
  CORS_ORIGIN_NOT_ALLOWED: { status: 403, description: 'A CORS preflight came from an origin that cors.origins does not list.' },

  // ── codes: publishing ──
  SCHEMA_CHECK_FAILED: { status: 422, description: 'A published subgraph schema was refused: it does not compose with the live subgraphs, it breaks the live API (without allowBreaking), or a feature check failed. Nothing was stored.' },
  REGISTRY_CONFLICT: { status: 409, description: 'The schema registry kept changing while a publish was being checked, or its lock stayed taken; nothing was stored. Try again.' },
  REGISTRY_UNAVAILABLE: { status: 503, description: 'The schema registry store (directory or Redis) cannot be read or written.' },

  // ── codes: subscriptions ──
  SUBSCRIPTION_TRANSPORT_REQUIRED: { status: 400, description: 'A subscription was sent as a plain POST/GET: subscribe over GraphQL over WebSocket (graphql-transport-ws on the GraphQL path), over SSE (`Accept: text/event-stream`) or over multipart HTTP (`Accept: multipart/mixed;subscriptionSpec=1.0`).' },
  SUBSCRIPTIONS_NOT_SUPPORTED: { status: 400, description: 'The supergraph has no Subscription type, or subscriptions are off (subscriptions.enabled: false).' },
  SUBSCRIPTION_EVENT_TOO_LARGE: { status: 200, description: 'One event of a subscription, serialized, exceeded subscriptions.maxEventBytes; the subscription ended with this error (the connection\'s other subscriptions go on).' },
  SUBSCRIPTION_SLOW_CONSUMER: { status: 200, description: 'The client read its events too slowly (more than subscriptions.maxBufferedBytes waiting in its socket, or too many events queued); the gateway ended its subscriptions.' },
  TOO_MANY_SUBSCRIPTIONS: { status: 429, description: 'A WebSocket connection already holds subscriptions.maxPerConnection operations, or the client (its principal, else its address) subscriptions.maxPerClient subscriptions; this one was refused and the others go on.' },
  TOO_MANY_CONNECTIONS: { status: 429, description: 'The client address already holds subscriptions.maxConnectionsPerAddress streaming connections (WebSocket, SSE, multipart); this one was refused before it started.' },
  TOKEN_EXPIRED: { status: 401, description: 'The JWT a subscription was authenticated with expired (its exp claim) and subscriptions.closeOnTokenExpiry is on: the subscription ended (a WebSocket connection is closed with 4403). Subscribe again with a fresh token.' },
  SUPERGRAPH_CHANGED: { status: 503, description: 'The supergraph was reloaded and subscriptions.reloadGrace passed: a subscription still running on the previous supergraph was ended so the client subscribes again on the new one.' },
  STREAM_NOT_SUPPORTED: { status: 400, description: 'The operation uses `@stream`, which the gateway does not serve; select the whole list (or `@defer` a fragment). See docs/defer.md.' },
  GATEWAY_SHUTTING_DOWN: { status: 503, description: 'The gateway is stopping; its subscriptions were closed so clients reconnect to another replica.' },

  INTERNAL_SERVER_ERROR: { status: 500, description: 'An unexpected failure inside the gateway. The details are logged, never sent.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** HTTP status for a code, from the table. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * The one error class Atrium throws. `code` is a key of {@link ERROR_CODES}; `extensions` are merged
 * into the GraphQL error's extensions next to `code`; `cause` keeps the original failure for logs.
 *
 * @example
 * throw new AtriumError('SUBGRAPH_TIMEOUT', 'subgraph "products" did not answer within 30000 ms', {
 *   extensions: { serviceName: 'products' },
 * });
 */
export class AtriumError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Readonly<Record<string, unknown>>;
  /** HTTP response headers this error asks for when it decides the status (for example `retry-after`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AtriumError';
    this.code = code;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return statusOf(this.code);
  }
}

/**
 * The GraphQL error a client sees for an `AtriumError`. With `decidesStatus`, `extensions.http` carries
 * the table's status (and the error's headers) so the HTTP layer answers with it; Apollo Server strips
 * `http` before sending.
 */
export function toGraphQLError(
  error: AtriumError,
  options: { path?: readonly (string | number)[]; decidesStatus?: boolean } = {},
): GraphQLError {
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.code };
  if (options.decidesStatus) {
    extensions.http = { status: error.status, headers: new Map(Object.entries(error.headers)) };
  }
  return new GraphQLError(error.message, { path: options.path, extensions });
}

/**
 * The error for one exceeded limit: its own code, a message naming the limit, and `{ limit, max, actual }`
 * in the extensions.
 *
 * @example
 * limitError({ code: 'MAX_ALIASES_EXCEEDED', limit: 'maxAliases', what: 'operation uses 250 aliases', max: 100, actual: 250 });
 */
export function limitError(options: { code: ErrorCode; limit: string; what: string; max: number; actual: number }): AtriumError {
  const { code, limit, what, max, actual } = options;
  return new AtriumError(code, `${what}; limits.${limit} allows ${max}`, { extensions: { limit, max, actual } });
}
