import { createHash, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { type DocumentNode, getOperationAST, GraphQLError, type GraphQLSchema, parse, specifiedRules, validate } from 'graphql';
import { LruCache } from '../../engine/lru-cache.js';
import type { Engine, OperationRequest } from '../../engine/engine.js';
import { deferLabelRule } from '../../engine/defer-operation.js';
import { AtriumError, toGraphQLError } from '../../errors.js';
import type { Principal, RequestContext } from '../../request-context.js';
import type { ServerHooks } from '../hooks.js';
import { noIntrospectionRule } from '../no-introspection-rule.js';
import { hidesSchemaFrom, withoutSuggestions } from '../hide-schema-suggestions.js';

/** One operation as a streaming client sends it (graphql-ws `subscribe` payload, graphql-sse request). */
export interface StreamOperationPayload {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly extensions?: Readonly<Record<string, unknown>> | null;
}

/**
 * The operation of an SSE or multipart request: its POST body, or a GET's query string (`query`,
 * `operationName`, and `variables`/`extensions` as JSON), checked by {@link checkStreamPayload}.
 */
export function streamPayloadOf(req: { readonly method?: string | undefined; readonly url?: string | undefined }, body: unknown): StreamOperationPayload | AtriumError {
  if (req.method === 'POST') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return new AtriumError('BAD_REQUEST', 'a subscription body must be one JSON object');
    return checkStreamPayload(body);
  }
  const search = new URL(req.url ?? '/', 'http://gateway').searchParams;
  const json = (name: string): unknown => {
    const text = search.get(name);
    return text === null || text === '' ? undefined : JSON.parse(text);
  };
  let variables: unknown;
  let extensions: unknown;
  try {
    variables = json('variables');
    extensions = json('extensions');
  } catch {
    return new AtriumError('BAD_REQUEST', 'the variables or extensions parameter is not valid JSON');
  }
  return checkStreamPayload({ query: search.get('query') ?? undefined, operationName: search.get('operationName'), variables, extensions });
}

/**
 * What `/graphql` checks of an operation's fields, for the streaming transports (the same codes; graphql-sse
 * and graphql-ws check some of it with messages of their own and no code): `query` a non-empty string,
 * `operationName` a string, `variables` and `extensions` objects. A persisted-query hash must be the
 * SHA-256 of the query sent with it; a hash alone is refused with PERSISTED_QUERY_NOT_SUPPORTED (Apollo's
 * persisted-query link then sends the query text), as streams are not served from the persisted-query store.
 */
export function checkStreamPayload(payload: object): StreamOperationPayload | AtriumError {
  const { query, operationName, variables, extensions } = payload as Record<string, unknown>;
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return new AtriumError('BAD_REQUEST', '`operationName` must be a string if provided');
  if (variables !== undefined && variables !== null && !isObject(variables)) return new AtriumError('BAD_REQUEST', '`variables` must be an object if provided');
  if (extensions !== undefined && extensions !== null && !isObject(extensions)) return new AtriumError('BAD_REQUEST', '`extensions` must be an object if provided');
  const persisted = (extensions as { persistedQuery?: unknown } | null | undefined)?.persistedQuery;
  if (query === undefined || query === null || query === '') {
    if (persisted !== undefined) return new AtriumError('PERSISTED_QUERY_NOT_SUPPORTED', 'subscriptions are not served from persisted queries: send the query text');
    return new AtriumError('BAD_REQUEST', 'the operation has no query: send `query` as a non-empty string');
  }
  if (typeof query !== 'string') return new AtriumError('BAD_REQUEST', '`query` must be a string');
  if (persisted !== undefined) {
    const hash = isObject(persisted) ? (persisted as { sha256Hash?: unknown }).sha256Hash : undefined;
    if (typeof hash !== 'string' || hash.toLowerCase() !== createHash('sha256').update(query).digest('hex')) {
      return new AtriumError('PERSISTED_QUERY_HASH_MISMATCH', 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query');
    }
  }
  return payload as StreamOperationPayload;
}

/** The validation rules of `/graphql`: graphql-js's, and `@defer` labels that are literal and unique. */
const STREAM_RULES = [...specifiedRules, deferLabelRule];

/**
 * The request context of one operation on a WebSocket: the connection's headers and principal, its own
 * id and signal, so per-request plugin state (WeakMaps keyed by the context) is per operation, as for
 * HTTP requests.
 */
export function createStreamContext(options: {
  headers: IncomingHttpHeaders;
  url: string;
  remoteAddress: string | undefined;
  principal: Principal | undefined;
  signal?: AbortSignal;
}): RequestContext {
  const signal = options.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);
  const incoming = options.headers['x-request-id'];
  return {
    requestId: typeof incoming === 'string' && /^[\x20-\x7e]{1,128}$/.test(incoming) ? incoming : flatUuid(),
    http: { method: 'GET', url: options.url, headers: options.headers, remoteAddress: options.remoteAddress },
    principal: options.principal,
    transport: 'websocket',
    responseHeaders: NO_RESPONSE_HEADERS,
    signal,
  };
}

/**
 * A WebSocket operation has no response to put headers on: what hooks set there (rate-limit headers) goes
 * nowhere, so every operation shares one Map that keeps nothing instead of an empty one each.
 */
class DiscardedHeaders extends Map<string, string | string[]> {
  override set(): this {
    return this;
  }
}
const NO_RESPONSE_HEADERS = new DiscardedHeaders();

/**
 * A random UUID as one flat string. `randomUUID()` returns a rope of fourteen pieces (~490 bytes, not ~70),
 * which a stream's context keeps for as long as the subscription lives; reading a character flattens it
 * in place.
 */
function flatUuid(): string {
  const id = randomUUID();
  id.charCodeAt(0);
  return id;
}

/** Operations that parsed and validated against a schema: many clients subscribe with the same text. */
interface ValidDocument {
  readonly document: DocumentNode;
  readonly queryHash: string;
  /** The text's length: a document's size grows with it (the bound on what the cache holds). */
  readonly length: number;
}

/** Valid documents by API schema, then by query text (and whether introspection is allowed). */
const validDocuments = new WeakMap<GraphQLSchema, LruCache<ValidDocument>>();
/** At most 1,000 documents and about 16 MiB of text (its AST several times that) per schema. */
const validDocumentBounds = { maxEntries: 1000, maxWeight: 16 * 1024 * 1024, weigh: (valid: ValidDocument) => valid.length };

/**
 * Parses, checks (the plugins' `onDocument` hooks: limits, trusted documents) and validates an operation
 * against the engine's API schema, as the HTTP path does inside Apollo Server. Returns the engine's
 * request, or the errors to answer with (codes in `extensions.code`). The payload's fields were checked at
 * the door ({@link checkStreamPayload}: by `streamPayloadOf` for SSE and multipart, on `subscribe` for
 * WebSocket).
 */
export async function prepareStreamOperation(options: {
  engine: Engine;
  payload: StreamOperationPayload;
  context: RequestContext;
  plugins: readonly ServerHooks[];
  introspection: boolean;
  /** `security.introspectionScope`: callers without it get validation errors without suggestions. */
  introspectionScope?: string | undefined;
}): Promise<{ request: OperationRequest } | { errors: readonly GraphQLError[] }> {
  const { engine, payload, context } = options;
  const schema = engine.supergraph.apiSchema;
  let cache = validDocuments.get(schema);
  if (!cache) {
    cache = new LruCache<ValidDocument>(validDocumentBounds);
    validDocuments.set(schema, cache);
  }
  // One parsed document (and hash) for every client that sends the same text: each subscription holds
  // its request, and 10,000 copies of one document were a large part of what idle subscriptions held.
  const cacheKey = `${options.introspection ? 'i' : '-'}${payload.query}`;
  const valid = cache.get(cacheKey);
  let document: DocumentNode;
  if (valid) document = valid.document;
  else {
    try {
      document = parse(payload.query);
    } catch (error) {
      return { errors: [codedError('GRAPHQL_PARSE_FAILED', (error as Error).message)] };
    }
  }
  const queryHash = valid?.queryHash ?? createHash('sha256').update(payload.query).digest('hex');
  for (const plugin of options.plugins) {
    if (!plugin.onDocument) continue;
    let rejected: AtriumError | undefined;
    await plugin.onDocument({ context, source: payload.query, queryHash, document, reject: (error) => (rejected ??= error) });
    if (rejected) return { errors: [toGraphQLError(rejected)] };
  }
  const operationName = payload.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName === undefined ? 'Must provide operation name if query contains multiple operations.' : `Unknown operation named "${operationName}".`;
    return { errors: [codedError('OPERATION_NOT_FOUND', message)] };
  }
  if (operation.operation === 'subscription' && !schema.getSubscriptionType()) {
    return { errors: [codedError('SUBSCRIPTIONS_NOT_SUPPORTED', 'the supergraph has no Subscription type')] };
  }
  if (!valid) {
    const errors = validate(schema, document, options.introspection ? STREAM_RULES : [...STREAM_RULES, noIntrospectionRule]);
    if (errors.length > 0) {
      const hide = hidesSchemaFrom(options, context);
      return { errors: errors.map((e) => new GraphQLError(hide ? withoutSuggestions(e.message) : e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
    }
    cache.set(cacheKey, { document, queryHash, length: payload.query.length });
  }
  return { request: { document, operation, rawVariables: payload.variables ?? undefined, queryHash, context } };
}

function codedError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
