import type { IncomingHttpHeaders } from 'node:http';

/** What a request presents: a token, an API key, nothing, or something that is neither. */
export type Credentials =
  | { readonly kind: 'jwt'; readonly token: string }
  | { readonly kind: 'apiKey'; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Where credentials are read; methods that are not configured are left `undefined` and ignored. */
export interface CredentialSources {
  /** Token header (lower case), its scheme (`Bearer`, or `""` for a bare token) and an optional cookie. */
  readonly jwt?: { readonly header: string; readonly scheme: string; readonly cookie?: string };
  /** API key header (lower case). */
  readonly apiKeyHeader?: string;
}

/**
 * Reads the credentials of a request. A JWT comes from the token header (`Authorization: Bearer <token>`),
 * else from the cookie; an API key from its header. A request that presents both is refused as malformed,
 * so it is always clear which identity it runs as.
 *
 * @example
 * readCredentials({ authorization: 'Bearer eyJ…' }, { jwt: { header: 'authorization', scheme: 'Bearer' } });
 * // { kind: 'jwt', token: 'eyJ…' }
 */
export function readCredentials(headers: IncomingHttpHeaders, sources: CredentialSources): Credentials {
  const token = sources.jwt && readToken(headers, sources.jwt);
  const apiKey = sources.apiKeyHeader === undefined ? undefined : single(headers[sources.apiKeyHeader]);
  if (token !== undefined && apiKey !== undefined) {
    return { kind: 'malformed', reason: 'the request carries both a token and an API key; send one' };
  }
  if (token !== undefined) return token;
  if (apiKey !== undefined) {
    const key = apiKey.trim();
    return key === '' ? { kind: 'malformed', reason: `the ${sources.apiKeyHeader} header is empty` } : { kind: 'apiKey', key };
  }
  return { kind: 'none' };
}

function readToken(
  headers: IncomingHttpHeaders,
  source: NonNullable<CredentialSources['jwt']>,
): Extract<Credentials, { kind: 'jwt' | 'malformed' }> | undefined {
  const value = single(headers[source.header]);
  if (value !== undefined) {
    const text = value.trim();
    if (source.scheme === '') return text === '' ? { kind: 'malformed', reason: `the ${source.header} header is empty` } : { kind: 'jwt', token: text };
    const space = text.indexOf(' ');
    const scheme = space < 0 ? text : text.slice(0, space);
    const token = space < 0 ? '' : text.slice(space + 1).trim();
    if (scheme.toLowerCase() !== source.scheme.toLowerCase() || token === '') {
      return { kind: 'malformed', reason: `expected "${source.header}: ${source.scheme} <token>"` };
    }
    return { kind: 'jwt', token };
  }
  if (source.cookie === undefined) return undefined;
  const cookie = readCookie(single(headers.cookie), source.cookie);
  return cookie === undefined || cookie === '' ? undefined : { kind: 'jwt', token: cookie };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
