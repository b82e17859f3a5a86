import type { IncomingMessage, ServerResponse } from 'node:http';
import { AtriumError } from '../errors.js';
import { jsonBodyRefusal, jsonText, readBody } from '../http/read-body.js';

/**
 * Reads a REST request's JSON body: `undefined` when the request has none, else the parsed value. Throws
 * `BAD_REQUEST` for a body that is not `application/json` or not valid JSON, `PAYLOAD_TOO_LARGE` over the
 * limit (the caller must close the connection: the unread rest would be taken for the next request).
 *
 * @example
 * const body = await readJsonBody(req, res, 1024 * 1024);
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<unknown> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0)) return undefined;
  const refusal = jsonBodyRefusal(req.headers['content-type']);
  if (refusal) throw refusal;
  if (req.headers.expect?.toLowerCase() === '100-continue' && !(Number(length) > limitBytes)) res.writeContinue();
  const raw = await readBody(req, limitBytes);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(jsonText(raw));
  } catch (error) {
    throw new AtriumError('BAD_REQUEST', `malformed JSON body: ${(error as Error).message}`);
  }
}
