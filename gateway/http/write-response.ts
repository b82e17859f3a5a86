import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { type AtriumError, type ErrorCode, statusOf } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { HttpResponse } from './graphql-exchange.js';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const NO_CODES: readonly string[] = [];
/** Bodies at least this long (in UTF-16 units) are written as bytes (see writeLargeBody). */
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
    if (body.length < LARGE_BODY) res.end(body);
    else writeLargeBody(res, body);
    return;
  }
  for await (const chunk of body) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

const utf8 = new TextEncoder();
/** Encoding buffers free for the next large body; each is back here once its bytes reached the socket. */
const freeBuffers: Buffer[] = [];
let freeBytes = 0;
/** At most this many bytes of free buffers are kept: about one buffer per response in flight at 50-100 connections. */
const MAX_FREE_BYTES = 16 * 1024 * 1024;
const BUFFER_STEP = 64 * 1024;
/** Bodies longer than this (UTF-16 units) are encoded into bytes of their own, not into a kept buffer. */
const MAX_POOLED_BODY = 1024 * 1024;

/**
 * Ends `res` with a large body as UTF-8 bytes, encoded into a reused buffer. As bytes the body goes to the
 * socket as it is, after the head (a string would be joined to the head and copied again). Fresh bytes per
 * answer were the costly part: memory that large comes from the system each time, and the page faults of
 * first writing it cost several times the `JSON.stringify` that made the body (docs/performance.md, "Writing
 * the answer"). A buffer is reused only after `end`'s callback reports its bytes handed to the socket; a
 * response that fails or never finishes keeps its buffer, which is then collected with it.
 */
function writeLargeBody(res: ServerResponse, body: string): void {
  if (body.length > MAX_POOLED_BODY) {
    res.end(utf8.encode(body));
    return;
  }
  let buffer = takeBuffer(body.length);
  const encoded = utf8.encodeInto(body, buffer);
  let written = encoded.written;
  if (encoded.read < body.length) {
    // Characters past ASCII took more bytes than the buffer had: encode again into one sized for them.
    giveBack(buffer);
    buffer = Buffer.allocUnsafeSlow(roundUp(Buffer.byteLength(body, 'utf8')));
    written = utf8.encodeInto(body, buffer).written;
  }
  const kept = buffer;
  res.end(buffer.subarray(0, written), (error?: Error | null) => {
    if (!error) giveBack(kept);
  });
}

/** A free buffer of at least `size` bytes (one too small is dropped), or a new one. */
function takeBuffer(size: number): Buffer {
  const buffer = freeBuffers.pop();
  if (buffer !== undefined) {
    freeBytes -= buffer.length;
    if (buffer.length >= size) return buffer;
  }
  // A quarter more than the body's length: room for some characters past ASCII.
  return Buffer.allocUnsafeSlow(roundUp(size + (size >> 2)));
}

function giveBack(buffer: Buffer): void {
  if (freeBytes + buffer.length > MAX_FREE_BYTES) return;
  freeBuffers.push(buffer);
  freeBytes += buffer.length;
}

const roundUp = (bytes: number) => Math.ceil(bytes / BUFFER_STEP) * BUFFER_STEP;

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
