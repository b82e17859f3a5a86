import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { type AtriumError, type ErrorCode, statusOf } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { HttpResponse } from './graphql-exchange.js';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const NO_CODES: readonly string[] = [];
/** Bodies at least this long (in UTF-16 units) are written as a Buffer (see writeHttpResponse). */
const LARGE_BODY = 4096;

/** Error codes of answers that had some, for the `onHttpResponse` hooks (kept only as long as the response). */
const answeredCodes = new WeakMap<ServerResponse, readonly string[]>();

/**
 * The GraphQL error codes a response carried, as far as the writer knew them (errors the server decided,
 * `errorResponse` answers, and handler answers that list their `errorCodes`).
 *
 * @example
 * writeError(res, req.headers, 'NOT_FOUND', 'no route is served at this path');
 * answeredErrorCodes(res); // ['NOT_FOUND']
 */
export function answeredErrorCodes(res: ServerResponse): readonly string[] {
  return answeredCodes.get(res) ?? NO_CODES;
}

/**
 * Answers with an error the HTTP shell decided itself, as a GraphQL response, so clients parse every
 * error one way. The media type follows the GraphQL-over-HTTP spec: `application/graphql-response+json`
 * when the client accepts it, else `application/json`.
 * https://graphql.github.io/graphql-over-http/draft/#sec-Accept
 */
export function writeError(
  res: ServerResponse,
  requestHeaders: IncomingHttpHeaders,
  code: ErrorCode,
  message: string,
  extensions?: Readonly<Record<string, unknown>>,
): void {
  const accept = requestHeaders.accept;
  const type = accept?.includes('application/graphql-response+json') ? GRAPHQL_RESPONSE_JSON : JSON_UTF8;
  res.statusCode = statusOf(code);
  answeredCodes.set(res, [code]);
  res.setHeader('content-type', type);
  res.end(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
}

/**
 * The HTTP response for an error decided before GraphQL execution (a plugin's `onRequest` rejection, a
 * gateway still loading): the code's status, the headers the error asks for (`www-authenticate`,
 * `retry-after`, ...) and a GraphQL error body with the error's extensions.
 */
export function errorResponse(error: AtriumError): HttpResponse {
  const headers = new Map<string, string>([['content-type', JSON_UTF8]]);
  for (const [name, value] of Object.entries(error.headers)) headers.set(name.toLowerCase(), value);
  const extensions = { ...error.extensions, code: error.code };
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ errors: [{ message: error.message, extensions }] }),
    errorCodes: [error.code],
  };
}

/** Answers with a JSON document (health and readiness). */
export function writeJson(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', JSON_UTF8);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

/**
 * Writes the GraphQL handler's answer: the headers hooks put on the context, then the handler's own
 * (which win, as the handler owns content negotiation), then the body, whole or streamed with back-pressure.
 * Node computes `content-length` for a whole body because no header is flushed before `end`.
 */
export async function writeHttpResponse(
  res: ServerResponse,
  response: HttpResponse,
  context: RequestContext,
): Promise<void> {
  res.statusCode = response.status;
  if (response.errorCodes !== undefined && response.errorCodes.length > 0) answeredCodes.set(res, response.errorCodes);
  if (context.responseHeaders.size > 0) {
    for (const [name, value] of context.responseHeaders) res.setHeader(name, value);
  }
  for (const [name, value] of response.headers) res.setHeader(name, value);
  const { body } = response;
  if (typeof body === 'string') {
    // As a Buffer, the body goes to the socket as it is, after the head; a string would be joined to the
    // head and flattened (copied) again on the V8 heap, a copy of every large answer.
    res.end(body.length < LARGE_BODY ? body : Buffer.from(body, 'utf8'));
    return;
  }
  for await (const chunk of body) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

/** Resolves on 'drain', or on 'close' when the client went away and no drain will come. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
