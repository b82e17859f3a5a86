import type { GatewayConfig } from '../config/schema.js';

/** Sensible defaults for a JSON API that no page should frame or render. */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Browsers honour HSTS only over HTTPS, so it is a default only when the gateway terminates TLS. */
const HSTS = 'max-age=31536000';

/**
 * The security headers every response carries: the defaults (plus `strict-transport-security` with TLS),
 * with `security.headers` merged over them (lower-cased names; `false` removes a default).
 *
 * @example
 * securityHeaders({ 'x-frame-options': false, 'permissions-policy': 'camera=()' }, true);
 */
export function securityHeaders(configured: GatewayConfig['security']['headers'], tls: boolean): [string, string][] {
  const merged = new Map<string, string>(Object.entries(DEFAULT_HEADERS));
  if (tls) merged.set('strict-transport-security', HSTS);
  for (const [name, value] of Object.entries(configured)) {
    if (value === false) merged.delete(name.toLowerCase());
    else merged.set(name.toLowerCase(), value);
  }
  return [...merged];
}
