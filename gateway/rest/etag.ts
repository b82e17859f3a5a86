import { createHash } from 'node:crypto';
import type { HttpResponse } from '../http/graphql-exchange.js';

/** The headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5). */
const NOT_MODIFIED_HEADERS = ['cache-control', 'etag', 'expires', 'vary', 'content-location', 'date'];

/**
 * Adds a strong `ETag` (a hash of the body) to a successful GET answer, and turns it into `304 Not
 * Modified` without a body when `If-None-Match` names that tag (or is `*`). The pipeline's cache policy
 * stays; without one, `Cache-Control: no-cache` lets clients keep the body but revalidate it each time.
 * https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 *
 * @example
 * const answer = withETag(response, req.headers['if-none-match']);
 */
export function withETag(response: HttpResponse, ifNoneMatch: string | undefined): HttpResponse {
  if (response.status !== 200 || typeof response.body !== 'string') return response;
  const etag = `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 32)}"`;
  const headers = new Map(response.headers);
  headers.set('etag', etag);
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
  if (ifNoneMatch === undefined || !matchesAny(ifNoneMatch, etag)) return { ...response, headers };
  const kept = new Map([...headers].filter(([name]) => NOT_MODIFIED_HEADERS.includes(name) || !isRepresentationHeader(name)));
  return { status: 304, headers: kept, body: '' };
}

/** If-None-Match compares weakly: `W/"x"` matches `"x"`. */
function matchesAny(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function isRepresentationHeader(name: string): boolean {
  return name.startsWith('content-');
}
