import type { Dispatcher, Pool } from 'undici';
import type { SubgraphResponse } from './contracts.js';

/** A subgraph's answer before parsing: shared requests hand each waiter the text to parse on its own. */
export interface RawResponse {
  readonly status: number;
  readonly headers: SubgraphResponse['headers'];
  readonly text: string;
}

/** The body passed the size limit: its `content-length` said so, or the bytes received did. */
export class ResponseTooLarge extends Error {
  constructor(
    readonly limit: number,
    /** The `content-length` the subgraph announced, when that is how the limit was found passed. */
    readonly declared?: number,
  ) {
    super(`response body larger than ${limit} bytes`);
  }
}

/**
 * One POST through undici's dispatcher with a plain handler: no body stream or async iterator per
 * request (undici's `request()` builds both), the chunks are decoded once at the end. 16 fetches per
 * operation make this the transport's hot path. The body is bounded by `maxResponseBytes` while it
 * streams: a `content-length` over it aborts before any body byte is read, and a body without one is
 * aborted as soon as the bytes received pass it, so a subgraph can never make the gateway hold more.
 */
export function dispatchPost(
  pool: Pool,
  options: { path: string; headers: string[]; body: string; signal: AbortSignal; maxResponseBytes: number },
): Promise<RawResponse> {
  const { signal, maxResponseBytes } = options;
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: SubgraphResponse['headers'] = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const onAbort = () => controller?.abort(signal.reason ?? new Error('aborted'));
    const finish = (error: Error | undefined, text?: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ status, headers, text: text! });
    };
    if (signal.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    signal.addEventListener('abort', onAbort);
    pool.dispatch(
      { method: 'POST', path: options.path, headers: options.headers, body: options.body },
      {
        onRequestStart(c) {
          controller = c;
          if (signal.aborted) c.abort(signal.reason ?? new Error('aborted'));
        },
        onResponseStart(c, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders as SubgraphResponse['headers'];
          const declared = Number(headers['content-length']);
          if (declared > maxResponseBytes) c.abort(new ResponseTooLarge(maxResponseBytes, declared));
        },
        onResponseData(c, chunk) {
          size += chunk.length;
          if (size > maxResponseBytes) {
            c.abort(new ResponseTooLarge(maxResponseBytes));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
          finish(undefined, text);
        },
        onResponseError(_c, error) {
          finish(error);
        },
      },
    );
  });
}

