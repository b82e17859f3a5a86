import type { GatewayConfig } from '../../config/schema.js';
import type { Principal } from '../../request-context.js';
import type { SubgraphFetchHook } from '../../subgraph-client/contracts.js';

type IdentityHeadersConfig = GatewayConfig['auth']['identityHeaders'];

/**
 * The `onSubgraphFetch` hook that carries the verified identity to subgraphs: it first deletes every
 * configured identity header from the outgoing request (whatever put it there, a client included), then
 * sets them from the principal. Anonymous requests reach subgraphs with none of them. The header list of
 * one principal is computed once and reused for all of its request's fetches.
 *
 * @example
 * const hook = identityHeadersHook(config.auth.identityHeaders); // x-user-id, x-user-scopes, x-client-id
 */
export function identityHeadersHook(config: IdentityHeadersConfig): SubgraphFetchHook {
  const names = [config.subject, config.scopes, config.clientId, ...Object.values(config.claims)].filter((name) => name !== '');
  const perPrincipal = new WeakMap<Principal, readonly (readonly [string, string])[]>();
  const headersOf = (principal: Principal) => {
    let headers = perPrincipal.get(principal);
    if (!headers) {
      headers = identityHeaders(principal, config);
      perPrincipal.set(principal, headers);
    }
    return headers;
  };
  return ({ request, context }) => {
    for (const name of names) delete request.headers[name];
    if (context.principal === undefined) return;
    for (const [name, value] of headersOf(context.principal)) request.headers[name] = value;
  };
}

function identityHeaders(principal: Principal, config: IdentityHeadersConfig): (readonly [string, string])[] {
  const headers: (readonly [string, string])[] = [];
  const add = (name: string, value: unknown) => {
    if (name === '' || value === undefined || value === null) return;
    headers.push([name, headerValue(typeof value === 'string' ? value : JSON.stringify(value))]);
  };
  add(config.subject, principal.subject);
  if (principal.scopes.length > 0) add(config.scopes, principal.scopes.join(' '));
  add(config.clientId, principal.clientId);
  for (const [claim, name] of Object.entries(config.claims)) {
    if (Object.hasOwn(principal.claims, claim)) add(name, principal.claims[claim]);
  }
  return headers;
}

/** Header values must be visible ASCII; anything else (non-Latin names, control characters) is percent-encoded. */
function headerValue(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text);
}
