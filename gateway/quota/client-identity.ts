import { BlockList, isIP } from 'node:net';
import type { RequestContext } from '../request-context.js';

/** How clients are told apart (gateway.yaml `clients`). */
export interface ClientIdentityOptions {
  /** Claim naming the client, tried before `azp` and `sub`. */
  readonly idClaim: string;
  /** Claim whose value is the client's tier. */
  readonly tierClaim: string;
  /** IP addresses and CIDR ranges whose X-Forwarded-For is believed. */
  readonly trustedProxies: readonly string[];
}

/** Who a request is for quotas: a key for its buckets, and its tier. */
export interface ClientIdentity {
  /** `client:<id>` for a principal, `ip:<address>` for anonymous requests. */
  readonly key: string;
  /** The client id or the IP address (what `cost.budget.clients` is keyed by). */
  readonly id: string;
  readonly anonymous: boolean;
  readonly tier: string | undefined;
}

/**
 * Builds the function that identifies a request's client. With a principal: the configured claim, then
 * the principal's client id (an API key's id when the auth plugin authenticated an API key), then `azp`,
 * then the subject. Without one: the client IP, which is the peer address unless the peer is a trusted
 * proxy, in which case it is the rightmost X-Forwarded-For address that is not a trusted proxy.
 *
 * @example
 * const identify = clientIdentifier({ idClaim: 'client_id', tierClaim: 'plan', trustedProxies: ['10.0.0.0/8'] });
 * identify(context); // { key: 'ip:203.0.113.7', id: '203.0.113.7', anonymous: true, tier: undefined }
 */
export function clientIdentifier(options: ClientIdentityOptions): (context: RequestContext) => ClientIdentity {
  const proxies = new BlockList();
  for (const entry of options.trustedProxies) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) continue;
    if (prefix === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(prefix), family);
  }
  const trusted = (address: string) => isIP(address) !== 0 && proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

  return (context) => {
    const principal = context.principal;
    if (principal) {
      const claims = principal.claims;
      const id = [claims[options.idClaim], principal.clientId, claims.azp, principal.subject, claims.sub].find(
        (value): value is string => typeof value === 'string' && value !== '',
      );
      if (id !== undefined) {
        const tier = claims[options.tierClaim];
        return { key: `client:${id}`, id, anonymous: false, tier: typeof tier === 'string' ? tier : undefined };
      }
    }
    const peer = normalizeAddress(context.http.remoteAddress ?? 'unknown');
    let address = peer;
    const forwarded = context.http.headers['x-forwarded-for'];
    if (forwarded !== undefined && trusted(peer)) {
      const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((hop) => normalizeAddress(hop.trim()));
      for (let i = hops.length - 1; i >= 0; i -= 1) {
        const hop = hops[i]!;
        if (isIP(hop) === 0) break;
        address = hop;
        if (!trusted(hop)) break;
      }
    }
    return { key: `ip:${address}`, id: address, anonymous: true, tier: undefined };
  };
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
