/** What one subgraph answer says about caching it. */
export interface CacheDirectives {
  /** Seconds (`s-maxage` over `max-age`: the gateway is a shared cache); undefined when absent. */
  readonly maxAge: number | undefined;
  readonly private: boolean;
  /** The subgraph said `public`: shareable even when the request carried an identity. */
  readonly public: boolean;
  /** `no-store` or `no-cache`: the answer must not be served from a cache. */
  readonly noStore: boolean;
}

const NONE: CacheDirectives = { maxAge: undefined, private: false, public: false, noStore: false };

/**
 * Parses a `Cache-Control` response header (RFC 9111 §5.2.2) into what the response cache needs. Unknown
 * directives are ignored; a malformed max-age counts as absent.
 *
 * @example
 * parseCacheControl('max-age=60, private'); // { maxAge: 60, private: true, public: false, noStore: false }
 */
export function parseCacheControl(header: string | string[] | undefined): CacheDirectives {
  if (header === undefined) return NONE;
  const text = Array.isArray(header) ? header.join(',') : header;
  let maxAge: number | undefined;
  let sharedMaxAge: number | undefined;
  let isPrivate = false;
  let isPublic = false;
  let noStore = false;
  for (const part of text.split(',')) {
    const [rawName, rawValue] = part.split('=', 2) as [string, string | undefined];
    const name = rawName.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"(.*)"$/, '$1');
    if (name === 'private') isPrivate = true;
    else if (name === 'public') isPublic = true;
    else if (name === 'no-store' || name === 'no-cache') noStore = true;
    else if (name === 'max-age' || name === 's-maxage') {
      const seconds = value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
      if (name === 'max-age') maxAge = seconds;
      else sharedMaxAge = seconds;
    }
  }
  return { maxAge: sharedMaxAge ?? maxAge, private: isPrivate, public: isPublic, noStore };
}
