import type { JWTPayload } from 'jose';
import type { Principal } from '../../request-context.js';

/**
 * The principal a verified token stands for, frozen (one serves every request with the token): subject
 * from `sub`, client id from the configured claim (else `azp`), scopes from the configured claim (an OAuth
 * space-separated string or a list of strings).
 *
 * @example
 * principalFromClaims({ sub: '42', scope: 'orders:read profile' }, { scopesClaim: 'scope', clientIdClaim: 'client_id' });
 * // { subject: '42', clientId: undefined, scopes: ['orders:read', 'profile'], claims: {...} }
 */
export function principalFromClaims(
  claims: JWTPayload,
  options: { readonly scopesClaim: string; readonly clientIdClaim: string },
): Principal {
  const scopes = claims[options.scopesClaim];
  return Object.freeze({
    subject: asText(claims.sub),
    clientId: asText(claims[options.clientIdClaim]) ?? asText(claims.azp),
    scopes: Object.freeze(
      typeof scopes === 'string'
        ? scopes.split(' ').filter((scope) => scope !== '')
        : Array.isArray(scopes) ? scopes.filter((scope): scope is string => typeof scope === 'string') : [],
    ),
    claims: Object.freeze({ ...claims }),
  });
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' ? String(value) : undefined;
}
