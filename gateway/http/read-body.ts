import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AtriumError } from '../errors.js';

/** `content-encoding` values a request body may carry, and the decoder of each. */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const CLIENT_GONE = Symbol('client gone');

/**
 * Reads a request body into one Buffer, at most `limitBytes` long. Over the limit it stops reading at
 * once (the rest is neither buffered nor drained: the caller answers 413 and closes the connection) and
 * rejects with `PAYLOAD_TOO_LARGE`. A declared `content-length` over the limit rejects before any byte is
 * read. A client that goes away mid-body rejects with `BAD_REQUEST` ({@link isClientGone}: nobody is left
 * to read the answer).
 *
 * A body with `content-encoding: gzip`, `deflate` or `br` is decoded as it arrives, and the limit applies to
 * the decoded bytes too: inflating stops at `limitBytes`, so a small zip bomb gets 413 after at most
 * `limitBytes` of output. Any other encoding rejects with `UNSUPPORTED_MEDIA_TYPE` (415) before a byte is
 * read; a body that does not decode rejects with `BAD_REQUEST`.
 *
 * @example
 * const body = await readBody(req, 1024 * 1024);
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  let decoder: Transform | undefined;
  try {
    decoder = decoderFor(req.headers['content-encoding']);
  } catch (error) {
    return Promise.reject(error as AtriumError);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.reject(tooLarge(limitBytes, Number(declared)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let received = 0;
    let settled = false;
    const fail = (error: AtriumError) => {
      if (settled) return;
      settled = true;
      cleanup();
      req.pause();
      decoder?.destroy();
      reject(error);
    };
    const collect = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) return fail(tooLarge(limitBytes, length));
      chunks.push(chunk);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    };
    const onData = (chunk: Buffer) => {
      if (decoder === undefined) return collect(chunk);
      // The encoded bytes count against the limit as well: they are buffered inside the decoder.
      received += chunk.length;
      if (received > limitBytes) return fail(tooLarge(limitBytes, received));
      decoder.write(chunk);
    };
    const onEnd = () => {
      if (decoder === undefined) return finish();
      // The request emits 'close' once it ended, before the decoder has flushed: not a client going away.
      req.off('close', onClose);
      decoder.end();
    };
    const onClose = () => fail(new AtriumError('BAD_REQUEST', 'the request body ended early', { cause: CLIENT_GONE }));
    const onDecodeError = (error: Error) =>
      fail(new AtriumError('BAD_REQUEST', `the request body is not valid ${req.headers['content-encoding']}: ${error.message}`, { cause: error }));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      decoder?.off('data', collect);
      decoder?.off('end', finish);
      decoder?.off('error', onDecodeError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
    decoder?.on('data', collect);
    decoder?.on('end', finish);
    decoder?.on('error', onDecodeError);
  });
}

/** Whether `readBody` failed because the client went away mid-body (there is nobody to answer). */
export function isClientGone(error: unknown): boolean {
  return error instanceof AtriumError && error.cause === CLIENT_GONE;
}

/** The decoder of a `content-encoding` (undefined for none or `identity`); one encoding only. */
function decoderFor(header: string | undefined): Transform | undefined {
  const encoding = header?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return undefined;
  const decoder = DECODERS[encoding];
  if (decoder === undefined) {
    throw new AtriumError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${JSON.stringify(header)} is not supported; send gzip, deflate, br or none`, {
      extensions: { supported: ['gzip', 'deflate', 'br', 'identity'] },
    });
  }
  return decoder();
}

/**
 * `actual` is the declared content-length, or the bytes read (or decoded) when reading stopped (the body
 * is at least that long): the rest is never read.
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
 * A JSON body's text: UTF-8, without the byte-order mark some clients put first (Windows PowerShell's
 * UTF-8 files), which JSON.parse would refuse and RFC 8259 lets a parser ignore.
 *
 * @example
 * JSON.parse(jsonText(Buffer.from('\ufeff{"a":1}'))); // { a: 1 }
 */
export function jsonText(raw: Buffer): string {
  return raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.toString('utf8', 3) : raw.toString('utf8');
}

/**
 * Why a request body of this `content-type` cannot be read as JSON, or undefined when it can: 400 for
 * another media type, 415 for a `charset` other than UTF-8 (the body would be decoded wrongly, not refused;
 * the GraphQL over HTTP draft lets a server refuse it).
 *
 * @example
 * jsonBodyRefusal('application/json; charset=utf-16')?.code; // 'UNSUPPORTED_MEDIA_TYPE'
 */
export function jsonBodyRefusal(contentType: string | undefined): AtriumError | undefined {
  if (!isJsonContentType(contentType)) return new AtriumError('BAD_REQUEST', 'content-type must be application/json');
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType!)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return new AtriumError('UNSUPPORTED_MEDIA_TYPE', `charset ${JSON.stringify(charset)} is not supported; send the JSON body in UTF-8`);
  }
  return undefined;
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
