import type { GatewayConfig } from '../../config/schema.js';
import type { CacheDirectives } from './cache-control.js';

/** One fetch's caching directives (a failed fetch counts as `noStore`). */
export type FetchPolicy = CacheDirectives;

/**
 * How long a response may be cached, in ms (0: not at all). `no-store` on any fetch: 0. Otherwise the
 * smallest of: every fetch's max-age; every `responseCache.ttl` entry whose type or `Type.field` the
 * operation uses; and, for fetches without max-age when no ttl entry covers the operation,
 * `responseCache.defaultTtl`. An operation with no fetch (only `__typename`) takes its ttl entries or the
 * default.
 *
 * @example
 * entryLifetime({ fetches: [{ maxAge: 60, private: false, noStore: false }], types, fields, config }); // 60000
 */
export function entryLifetime(input: {
  fetches: readonly FetchPolicy[];
  types: ReadonlySet<string>;
  fields: ReadonlySet<string>;
  config: GatewayConfig['responseCache'];
}): number {
  const { fetches, types, fields, config } = input;
  if (fetches.some((fetch) => fetch.noStore)) return 0;
  let configured: number | undefined;
  for (const [coordinate, ttl] of Object.entries(config.ttl)) {
    if (types.has(coordinate) || fields.has(coordinate)) configured = Math.min(configured ?? Infinity, ttl);
  }
  let lifetime = configured ?? Infinity;
  for (const fetch of fetches) {
    if (fetch.maxAge !== undefined) lifetime = Math.min(lifetime, fetch.maxAge * 1000);
    else if (configured === undefined) lifetime = Math.min(lifetime, config.defaultTtl);
  }
  return lifetime === Infinity ? config.defaultTtl : lifetime;
}
