import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/schema.js';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';

/** Applies the CORS policy to one request; returns true when it answered a preflight itself. */
export type CorsHandler = (req: IncomingMessage, res: ServerResponse, refuse: (res: ServerResponse) => void) => boolean;

/**
 * CORS from `cors` in gateway.yaml (https://fetch.spec.whatwg.org/#http-cors-protocol). An allowed origin
 * gets `Access-Control-Allow-Origin` (its own value, or `*` when every origin is allowed without
 * credentials), `Vary: Origin`, the exposed headers and, with `credentials`, `Access-Control-Allow-Credentials`.
 * A preflight (OPTIONS with `Access-Control-Request-Method`) is answered here, on every path: 204 with the
 * allowed methods, headers and max-age, or `refuse` (403 CORS_ORIGIN_NOT_ALLOWED) for an origin not listed.
 * Other requests from unlisted origins are served without CORS headers, so the browser withholds the answer
 * from the calling script; CSRF prevention stops the requests a browser sends without asking first.
 * Returns undefined when no origin is listed (no CORS at all).
 *
 * @example
 * const cors = createCorsHandler({ origins: ['https://*.example.com'], credentials: true, ... });
 * if (cors?.(req, res, refuse)) return;
 */
export function createCorsHandler(config: GatewayConfig['cors']): CorsHandler | undefined {
  if (config.origins.length === 0) return undefined;
  const matchers = config.origins.map(originMatcher);
  const anyOrigin = config.origins.includes('*');
  const exposed = config.exposeHeaders.join(', ');
  const allowedHeaders = config.allowHeaders.join(', ');
  const maxAge = String(Math.floor(config.maxAge / 1000));

  return (req, res, refuse) => {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!anyOrigin) res.setHeader('vary', 'origin');
    if (origin === undefined) return false;
    const allowed = matchers.some((matches) => matches(origin));
    if (!allowed) {
      if (!preflight) return false;
      refuse(res);
      return true;
    }
    res.setHeader('access-control-allow-origin', anyOrigin && !config.credentials ? '*' : origin);
    if (config.credentials) res.setHeader('access-control-allow-credentials', 'true');
    if (!preflight) {
      if (exposed) res.setHeader('access-control-expose-headers', exposed);
      return false;
    }
    res.statusCode = 204;
    res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    res.setHeader('access-control-allow-headers', allowedHeaders);
    res.setHeader('access-control-max-age', maxAge);
    res.end();
    return true;
  };
}

/**
 * `*` matches any origin; `https://*.example.com` matches one or more subdomain labels (never the bare
 * `https://example.com`, never `https://evil-example.com`); anything else matches exactly. Case-insensitive.
 */
function originMatcher(pattern: string): (origin: string) => boolean {
  if (pattern === '*') return () => true;
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return (origin) => origin.toLowerCase() === lower;
  const source = lower
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[a-z0-9-]+(?:\\.[a-z0-9-]+)*');
  const regex = new RegExp(`^${source}$`);
  return (origin) => regex.test(origin.toLowerCase());
}
