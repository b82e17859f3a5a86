import type { AtriumError } from '../errors.js';
import type { HttpResponse } from '../http/graphql-exchange.js';
import { nodeHttp } from '../http/node-http.js';

/** RFC 9457's media type for error bodies. */
export const PROBLEM_JSON = 'application/problem+json';

/** A GraphQL error as it appears in a problem body: message, code, path, and the subgraph it came from. */
export interface ProblemError {
  readonly message: string;
  readonly code?: string;
  readonly path?: readonly (string | number)[];
  readonly serviceName?: string;
}

/** What a problem+json answer says, besides the members derived from the status and code. */
export interface ProblemOptions {
  readonly status: number;
  /** The error code (a key of the error table, or a subgraph's own code). */
  readonly code: string;
  readonly detail: string;
  /** The request path the problem occurred at. */
  readonly instance: string;
  readonly headers?: Iterable<readonly [string, string]>;
  /** The GraphQL errors behind the problem. */
  readonly errors?: readonly ProblemError[];
  /** Extension members, for example `parameter` and `in` for a bad parameter. */
  readonly members?: Readonly<Record<string, unknown>>;
  /** The error codes the access log and metrics record; default: `code`. */
  readonly errorCodes?: readonly string[];
}

/**
 * An RFC 9457 `application/problem+json` answer: `type` (`urn:atrium:error:<code>`, one per code of
 * docs/errors.md), `title` (the status's reason phrase), `status`, `detail`, `instance`, then `code`,
 * any extension members, and the GraphQL `errors` behind it.
 * https://www.rfc-editor.org/rfc/rfc9457#section-3.1
 *
 * @example
 * problemResponse({ status: 404, code: 'RESOURCE_NOT_FOUND', detail: 'product not found', instance: '/api/v1/products/9' });
 */
export function problemResponse(options: ProblemOptions): HttpResponse {
  const headers = new Map<string, string>();
  for (const [name, value] of options.headers ?? []) headers.set(name.toLowerCase(), value);
  headers.set('content-type', PROBLEM_JSON);
  headers.set('cache-control', 'no-store');
  const body = {
    type: `urn:atrium:error:${options.code}`,
    title: nodeHttp.STATUS_CODES[options.status] ?? 'Error',
    status: options.status,
    detail: options.detail,
    instance: options.instance,
    code: options.code,
    ...options.members,
    ...(options.errors && options.errors.length > 0 && { errors: options.errors }),
  };
  return { status: options.status, headers, body: JSON.stringify(body), errorCodes: options.errorCodes ?? [options.code] };
}

/**
 * The problem+json answer for an error the REST layer decided itself (bad body, unknown route, route
 * unavailable): the error table's status, the error's headers, its extensions as members.
 *
 * @example
 * problemOf(new AtriumError('NOT_FOUND', 'no route is served at this path'), '/api/nope');
 */
export function problemOf(error: AtriumError, instance: string): HttpResponse {
  return problemResponse({
    status: error.status,
    code: error.code,
    detail: error.message,
    instance,
    headers: Object.entries(error.headers),
    members: error.extensions,
  });
}
