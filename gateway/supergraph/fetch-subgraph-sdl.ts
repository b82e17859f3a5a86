import { SupergraphLoadError } from './supergraph-load-error.js';

// The same operation rover sends, so subgraphs that allow-list it answer Atrium too.
const INTROSPECTION_BODY = JSON.stringify({ query: 'query SubgraphIntrospectQuery { _service { sdl } }' });

/** Options of {@link fetchSubgraphSdl}. */
export interface FetchSubgraphSdlOptions {
  /** Aborts the fetch; its reason is thrown as is. */
  readonly signal?: AbortSignal;
  /** Fails the fetch when the subgraph has not answered in full within this many ms. Default 30000. */
  readonly timeoutMs?: number;
  /** Extra request headers (supergraph.yaml's `introspection_headers`, e.g. a token the subgraph needs). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Asks a running federation subgraph for its SDL (`_service { sdl }`). Throws a
 * {@link SupergraphLoadError} whose one problem names the URL and says what went wrong: connection
 * refused, timeout, non-200 status, a body that is not JSON, GraphQL errors or a missing `sdl`.
 *
 * @example
 * const sdl = await fetchSubgraphSdl('http://localhost:4002/graphql', { timeoutMs: 5000 });
 */
export async function fetchSubgraphSdl(url: string, options: FetchSubgraphSdlOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const fail = (problem: string, cause?: unknown, retryable = false): never => {
    throw new SupergraphLoadError([`introspection of ${url}: ${problem}`], { cause, retryable });
  };

  let status: number;
  let text: string;
  try {
    // reset: no keep-alive, so a one-shot `atrium compose` exits as soon as it is done.
    // All of undici only for introspection: the gateway's own fetches load its Pool alone (undici-pool.ts).
    const { request } = await import('undici');
    const response = await request(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: INTROSPECTION_BODY,
      signal,
      reset: true,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted) return fail(`no answer within ${timeoutMs} ms`, cause, true);
    return fail(describeNetworkError(cause), cause, true);
  }

  // 429 and 5xx: a subgraph starting up, or a proxy in front of one; other statuses are answers.
  if (status !== 200) fail(`HTTP status ${status}${snippet(text)}`, undefined, status === 429 || status >= 500);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return fail(`the response is not JSON${snippet(text)}`, cause);
  }
  const result = json as { data?: { _service?: { sdl?: unknown } }; errors?: { message?: unknown }[] };
  const sdl = result?.data?._service?.sdl;
  if (typeof sdl === 'string' && sdl.trim() !== '') return sdl;
  if (Array.isArray(result?.errors) && result.errors.length > 0) {
    fail(`the subgraph answered with errors: ${result.errors.map((error) => String(error?.message)).join('; ')}`);
  }
  return fail('the response has no data._service.sdl (is this a federation subgraph?)');
}

function describeNetworkError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the subgraph running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed before a response arrived';
    default:
      return (cause as Error)?.message || String(cause);
  }
}

function snippet(body: string): string {
  const trimmed = body.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return '';
  return `: ${trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed}`;
}
