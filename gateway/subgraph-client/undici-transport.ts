import type { Pool } from 'undici';
import { UndiciPool } from './undici-pool.js';
import { dispatchPost, type RawResponse, ResponseTooLarge } from './dispatch-post.js';
import { type InFlightRequests, sendShared } from './shared-requests.js';
import { sharedAnswer } from './shared-answers.js';
import { AtriumError } from '../errors.js';
import type { SubgraphRequest, SubgraphResponse, SubgraphTransport } from './contracts.js';

/** Options of {@link createUndiciTransport}. */
export interface UndiciTransportOptions {
  /** Most sockets kept open to one subgraph origin; further requests queue. Default 128. */
  connections?: number;
  /**
   * How long an idle keep-alive socket stays open when the subgraph sends no `Keep-Alive: timeout=` hint
   * (with a hint, undici follows the hint). Default 4000 ms, below Node's server default of 5000 ms so the
   * gateway, not the subgraph, closes idle sockets and no request races a closing socket.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Largest response body accepted from a subgraph, in bytes (`traffic.*.maxResponseSize`); read for
   * every fetch (keep it a lookup). Default 16 MiB for every subgraph.
   */
  maxResponseBytes?(subgraph: string): number;
  /**
   * Whether identical queries to this subgraph that are in flight at the same time share one request
   * (`traffic.*.dedupe`). Mutations never do. Default: never.
   */
  dedupe?(subgraph: string): boolean;
}

const ACCEPT = 'application/graphql-response+json, application/json';
/** `traffic.all.maxResponseSize`'s default, for a transport built without the config. */
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Headers the transport owns: framing is computed by undici from the body, and undici rejects
 * connection-level headers outright. A forwarding rule that copies them from the client must not break
 * the fetch.
 */
const OWN_HEADERS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'host',
  'te',
  'trailer',
  'expect',
]);

/** Distinct URLs remembered with their parsed pool and path; hooks may rewrite URLs, so the cache is bounded. */
const MAX_CACHED_URLS = 1024;

interface Target {
  readonly pool: Pool;
  /** Path and query of the URL, what undici sends on the request line. */
  readonly path: string;
}

/**
 * The production transport: HTTP/1.1 POSTs through one keep-alive undici `Pool` per subgraph origin,
 * created on the first request to that origin. Failures become `AtriumError`s whose message names the
 * subgraph but never its URL (messages reach clients); the URL and the original error are in `cause`.
 * An aborted `signal` rethrows undici's error unchanged so the subgraph client can tell a timeout from a
 * client that went away.
 *
 * @example
 * const transport = createUndiciTransport({ connections: 64 });
 * const response = await transport.send(request, AbortSignal.timeout(5000));
 * await transport.close();
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): SubgraphTransport {
  const poolOptions: Pool.Options = {
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
  };
  const maxResponseBytesOf = options.maxResponseBytes ?? (() => DEFAULT_MAX_RESPONSE_BYTES);
  const dedupe = options.dedupe ?? (() => false);
  const inFlight: InFlightRequests = new Map();
  const pools = new Map<string, Pool>();
  const targets = new Map<string, Target>();

  function targetOf(request: SubgraphRequest): Target {
    const cached = targets.get(request.url);
    if (cached !== undefined) return cached;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (cause) {
      throw failure('SUBGRAPH_UNAVAILABLE', request, 'invalid routing URL', cause);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw failure('SUBGRAPH_UNAVAILABLE', request, `unsupported protocol ${url.protocol}`);
    }
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new UndiciPool(url.origin, poolOptions);
      pools.set(url.origin, pool);
    }
    if (targets.size >= MAX_CACHED_URLS) targets.clear();
    const target: Target = { pool, path: url.pathname + url.search };
    targets.set(request.url, target);
    return target;
  }

  return {
    async send(request, signal) {
      const { pool, path } = targetOf(request);
      const headers = requestHeaders(request.headers);
      const body = serializeBody(request.body);
      const maxResponseBytes = maxResponseBytesOf(request.subgraph);
      const shared = request.operationKind === 'query' && dedupe(request.subgraph);
      let outcome: RawResponse;
      try {
        outcome = shared
          ? await sendShared(inFlight, { pool, url: request.url, path, headers, body, signal, maxResponseBytes })
          : await dispatchPost(pool, { path, headers, body, signal, maxResponseBytes });
      } catch (error) {
        if (signal.aborted) throw error;
        if (error instanceof ResponseTooLarge) {
          const announced = error.declared === undefined ? '' : ` (content-length ${error.declared})`;
          throw failure('SUBGRAPH_RESPONSE_TOO_LARGE', request, `answered with a body larger than ${error.limit} bytes${announced}; traffic.all.maxResponseSize or traffic.subgraphs.${request.subgraph}.maxResponseSize`, error);
        }
        const [code, reason] = classifyNetworkError(error);
        throw failure(code, request, reason, error);
      }
      // Waiters of one shared request share one parse too (shared-answers.ts): nobody writes into it.
      if (shared) return sharedAnswer(outcome, () => parseResponse(request, outcome.status, outcome.headers, outcome.text));
      return parseResponse(request, outcome.status, outcome.headers, outcome.text);
    },

    async close() {
      const closing = [...pools.values()].map((pool) => pool.close());
      pools.clear();
      targets.clear();
      await Promise.all(closing);
    },
  };
}

/**
 * The request body, with the `query` part serialized once per distinct query text: plans are cached,
 * so the same (long) query strings come back on every request and only the variables change.
 */
const bodyPrefixes = new Map<string, { readonly operationName: string | undefined; readonly prefix: string }>();
const MAX_BODY_PREFIXES = 2048;

function serializeBody(body: SubgraphRequest['body']): string {
  const { query, operationName, variables } = body;
  let cached = bodyPrefixes.get(query);
  if (cached === undefined || cached.operationName !== operationName) {
    const name = operationName === undefined ? '' : `,"operationName":${JSON.stringify(operationName)}`;
    cached = { operationName, prefix: `{"query":${JSON.stringify(query)}${name}` };
    if (bodyPrefixes.size >= MAX_BODY_PREFIXES) bodyPrefixes.clear();
    bodyPrefixes.set(query, cached);
  }
  return variables === undefined ? `${cached.prefix}}` : `${cached.prefix},"variables":${JSON.stringify(variables)}}`;
}

/** Flat `[name, value, ...]` list: undici takes it without re-walking an object, and it skips OWN_HEADERS. */
function requestHeaders(headers: Readonly<Record<string, string>>): string[] {
  const flat = ['content-type', 'application/json'];
  let hasAccept = false;
  for (const name in headers) {
    if (OWN_HEADERS.has(name)) continue;
    if (name === 'accept') hasAccept = true;
    flat.push(name, headers[name]!);
  }
  if (!hasAccept) flat.push('accept', ACCEPT);
  return flat;
}

function parseResponse(
  request: SubgraphRequest,
  status: number,
  headers: SubgraphResponse['headers'],
  text: string,
): SubgraphResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw failure('SUBGRAPH_BAD_RESPONSE', request, `answered HTTP ${status} with a body that is not JSON`, cause);
  }
  if (!isGraphQLResponse(body)) {
    throw failure('SUBGRAPH_BAD_RESPONSE', request, `answered HTTP ${status} with JSON that is not a GraphQL response`);
  }
  return { status, headers, body };
}

/** https://graphql.github.io/graphql-over-http/draft/#sec-application-json: an object with data and/or errors. */
function isGraphQLResponse(body: unknown): body is SubgraphResponse['body'] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { data, errors } = body as Record<string, unknown>;
  if (data === undefined && errors === undefined) return false;
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return false;
  return errors === undefined || Array.isArray(errors);
}

/** Maps a Node or undici failure to a code and a reason a client may read (no address, no URL). */
function classifyNetworkError(error: unknown): ['SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_TIMEOUT', string] {
  switch (errorCode(error)) {
    case 'ECONNREFUSED':
      return ['SUBGRAPH_UNAVAILABLE', 'connection refused'];
    case 'ECONNRESET':
    case 'EPIPE':
      return ['SUBGRAPH_UNAVAILABLE', 'connection reset'];
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return ['SUBGRAPH_UNAVAILABLE', 'DNS lookup failed'];
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return ['SUBGRAPH_UNAVAILABLE', 'host unreachable'];
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return ['SUBGRAPH_UNAVAILABLE', 'socket closed'];
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return ['SUBGRAPH_UNAVAILABLE', 'connection timed out'];
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return ['SUBGRAPH_TIMEOUT', 'did not answer within the transport timeout'];
    default:
      return ['SUBGRAPH_UNAVAILABLE', 'request failed'];
  }
}

/** Node reports a refused dual-stack connect as an AggregateError; its code is on it or on its parts. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return undefined;
}

/**
 * The message is for clients: it names the subgraph, never its URL. The URL goes into `cause` as an
 * Error (so pino's error serializer logs it, with the original failure chained below it).
 */
function failure(
  code: 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_BAD_RESPONSE' | 'SUBGRAPH_TIMEOUT' | 'SUBGRAPH_RESPONSE_TOO_LARGE',
  request: SubgraphRequest,
  reason: string,
  error?: unknown,
): AtriumError {
  const message = code === 'SUBGRAPH_UNAVAILABLE' ? `is unavailable: ${reason}` : reason;
  return new AtriumError(code, `subgraph "${request.subgraph}" ${message}`, {
    extensions: { serviceName: request.subgraph },
    cause: new Error(`POST ${request.url}: ${reason}`, error === undefined ? undefined : { cause: error }),
  });
}
