import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type ErrorCode, statusOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { nodeHttp } from '../http/node-http.js';
import type { HttpResponseHookPayload } from './hooks.js';

/** A request line is at most this long in the access log: the rest of a refused request is not trusted. */
const MAX_LOGGED_PATH = 256;
const REQUEST_LINE = /^([A-Z]{1,20}) (\S+) HTTP\/1\.[01]$/;

/**
 * Answers a request node:http could not parse (its `clientError` event) the way every other refusal is
 * answered: a JSON GraphQL error with a code, the security headers and an `x-request-id`, and an access-log
 * line — instead of Node's bare `431 Request Header Fields Too Large` with no body. Headers over
 * `server.maxHeaderSize` get 431, a request slower than `server.headersTimeout` or `server.receiveTimeout`
 * 408, anything else malformed 400. The connection is
 * closed afterwards: the parser's state is lost.
 *
 * @example
 * server.on('clientError', (error, socket) => answerClientError({ error, socket, maxHeaderSize, responseHeaders, logger }));
 */
export function answerClientError(options: {
  error: Error & { code?: string; rawPacket?: Buffer };
  socket: Duplex;
  maxHeaderSize: number;
  responseHeaders: readonly (readonly [string, string])[];
  logger: Logger;
  onResponse?: ((payload: HttpResponseHookPayload) => void) | undefined;
}): void {
  const { error, socket } = options;
  // As Node's own handler: answer only when nothing of a response went out on this socket yet.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, message] = describe(error.code, options.maxHeaderSize);
  const status = statusOf(code);
  const requestId = randomUUID();
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  const head = [
    `HTTP/1.1 ${status} ${nodeHttp.STATUS_CODES[status]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    `x-request-id: ${requestId}`,
    ...options.responseHeaders.map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  const { method, path } = requestLine(error.rawPacket);
  options.logger.debug({ err: error, requestId }, 'server: unparsable request refused');
  try {
    options.onResponse?.({ requestId, method, path, status, durationMs: 0, errorCodes: [code], context: undefined });
  } catch (hookError) {
    options.logger.error({ err: hookError, requestId }, 'server: response hook failed');
  }
}

function describe(parserCode: string | undefined, maxHeaderSize: number): [ErrorCode, string] {
  if (parserCode === 'HPE_HEADER_OVERFLOW') {
    return ['REQUEST_HEADER_FIELDS_TOO_LARGE', `the request headers exceed the limit of ${maxHeaderSize} bytes (server.maxHeaderSize)`];
  }
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return ['REQUEST_TIMEOUT', 'the request did not arrive in time (server.headersTimeout, server.receiveTimeout)'];
  }
  return ['BAD_REQUEST', 'the HTTP request is malformed'];
}

/** Method and path from the first line of what the parser had read, when it is a plausible request line. */
function requestLine(raw: Buffer | undefined): { method: string; path: string } {
  const end = raw?.indexOf('\r\n') ?? -1;
  const match = raw && end > 0 ? REQUEST_LINE.exec(raw.subarray(0, end).toString('latin1')) : null;
  if (!match) return { method: '-', path: '-' };
  const target = match[2]!;
  const queryAt = target.indexOf('?');
  return { method: match[1]!, path: (queryAt === -1 ? target : target.slice(0, queryAt)).slice(0, MAX_LOGGED_PATH) };
}
