import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.js';
import { isJsonContentType, jsonBodyRefusal, jsonText, readBody } from '../../http/read-body.js';
import type { HttpRoute } from '../../http/http-route.js';
import type { PurgeTarget } from './response-store.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * `POST <purgePath>` with `authorization: Bearer <purgeToken>` and a JSON body `{"type": "Product"}`,
 * `{"type": "Product", "key": {"upc": "1"}}` or `{"all": true}`; answers `{"purged": <entries>}`.
 * Errors are problem+json (RFC 9457): 401 without the token, 405 for other methods, 400 for a bad body,
 * 503 when the store fails.
 *
 * @example
 * createPurgeRoute({ path: '/admin/cache/purge', token, purge: (target) => cache.purge(target), logger });
 */
export function createPurgeRoute(options: {
  path: string;
  token: string;
  purge(target: PurgeTarget): Promise<number>;
  logger: Logger;
}): HttpRoute {
  const expected = Buffer.from(`Bearer ${options.token}`);
  return {
    matches: (path) => path === options.path,
    async handle(req, res, context) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        problem(res, 405, `method ${req.method} is not allowed; use POST`);
        req.resume();
        return;
      }
      if (!authorized(req, expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        problem(res, 401, 'a valid "authorization: Bearer <responseCache.purgeToken>" header is required');
        req.resume();
        return;
      }
      // Any content type is read as JSON (curl -d sends a form type); a JSON one in another charset is refused.
      const contentType = req.headers['content-type'];
      const refusal = isJsonContentType(contentType) ? jsonBodyRefusal(contentType) : undefined;
      if (refusal) {
        problem(res, refusal.status, refusal.message);
        req.resume();
        return;
      }
      let target: PurgeTarget | string;
      try {
        target = purgeTarget(JSON.parse(jsonText(await readBody(req, MAX_BODY_BYTES))));
      } catch (error) {
        if ((error as { code?: string }).code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
        target = `the body must be JSON of at most ${MAX_BODY_BYTES} bytes`;
      }
      if (typeof target === 'string') {
        problem(res, 400, target);
        return;
      }
      let purged: number;
      try {
        purged = await options.purge(target);
      } catch (error) {
        options.logger.error({ err: error, requestId: context.requestId }, 'responseCache: purge failed');
        problem(res, 503, 'the cache store could not be purged; retry later');
        return;
      }
      options.logger.info({ requestId: context.requestId, target, purged }, 'responseCache: purged');
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify({ purged }));
    },
  };
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The purge target of a request body, or what is wrong with it. */
function purgeTarget(body: unknown): PurgeTarget | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const { type, key, all } = body as Record<string, unknown>;
  if (all === true && type === undefined && key === undefined) return { all: true };
  if (typeof type !== 'string' || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(type)) {
    return 'expected {"type": "<TypeName>"}, {"type": "<TypeName>", "key": {...}} or {"all": true}';
  }
  if (key === undefined) return { type };
  if (typeof key !== 'object' || key === null || Array.isArray(key) || Object.keys(key).length === 0) {
    return '"key" must be a non-empty object of key fields, e.g. {"upc": "1"}';
  }
  for (const value of Object.values(key)) {
    if (typeof value === 'object' && value !== null) return '"key" fields must be scalars (string, number, boolean)';
  }
  return { type, key: key as Record<string, unknown> };
}

function problem(res: ServerResponse, status: number, detail: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.end(JSON.stringify({ type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail }));
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};
