import type { IncomingHttpHeaders } from 'node:http';

/**
 * Request headers as the GraphQL handler takes them. Node has already lower-cased the names and joined
 * repeated values; only set-cookie stays an array.
 *
 * @example
 * headerMap(req.headers).get('authorization');
 */
export function headerMap(headers: IncomingHttpHeaders): Map<string, string> {
  const map = new Map<string, string>();
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) map.set(name, typeof value === 'string' ? value : value.join(', '));
  }
  return map;
}
