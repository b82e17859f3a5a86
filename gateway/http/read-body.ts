import type { IncomingMessage, ServerResponse } from 'node:http';
import { AtriumError } from '../errors.js';

/**
 * Reads a request body into one Buffer, at most `limitBytes` long. Over the limit it stops reading at
 * once (the rest is neither buffered nor drained: the caller answers 413 and closes the connection) and
 * rejects with `PAYLOAD_TOO_LARGE`. A declared `content-length` over the limit rejects before any byte is
 * read. A client that goes away mid-body rejects with `BAD_REQUEST` (nobody is left to read the answer).
 *
 * @example
 * const body = await readBody(req, 1024 * 1024);
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.reject(tooLarge(limitBytes, Number(declared)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(limitBytes, length));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    };
    const onClose = () => {
      cleanup();
      reject(new AtriumError('BAD_REQUEST', 'the request body ended early'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  });
}

/**
 * `actual` is the declared content-length, or the bytes read when reading stopped (the body is at least
 * that long): the rest is never read.
 */
function tooLarge(limitBytes: number, actual: number): AtriumError {
  return new AtriumError('PAYLOAD_TOO_LARGE', `the request body exceeds the limit of ${limitBytes} bytes`, {
    extensions: { limit: 'server.bodyLimit', max: limitBytes, actual },
  });
}

/**
 * For answers given without reading the body. Node drains an unread body after the answer to keep the
 * connection; that is worth it for a body within the limit, not for a larger one or one of unknown length.
 *
 * @example
 * skipUnreadBody(req, res, 1024 * 1024);
 * res.end();
 */
export function skipUnreadBody(req: IncomingMessage, res: ServerResponse, limitBytes: number): void {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && !(Number(length) <= limitBytes))) {
    res.setHeader('connection', 'close');
  }
}

/**
 * Whether a `content-type` is JSON: `application/json` with any parameters.
 * https://graphql.github.io/graphql-over-http/draft/#sec-POST
 *
 * @example
 * isJsonContentType('application/json; charset=utf-8'); // true
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const end = contentType.indexOf(';');
  const mediaType = (end === -1 ? contentType : contentType.slice(0, end)).trim();
  return mediaType.length === 16 && mediaType.toLowerCase() === 'application/json';
}
