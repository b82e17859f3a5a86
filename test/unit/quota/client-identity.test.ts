import { describe, expect, it } from 'vitest';
import { clientIdentifier } from '../../../gateway/quota/client-identity.js';
import type { Principal, RequestContext } from '../../../gateway/request-context.js';

function context(options: { remote?: string; forwardedFor?: string; principal?: Partial<Principal> } = {}): RequestContext {
  return {
    requestId: 'r',
    http: {
      method: 'POST',
      url: '/graphql',
      headers: options.forwardedFor === undefined ? {} : { 'x-forwarded-for': options.forwardedFor },
      remoteAddress: options.remote ?? '127.0.0.1',
    },
    principal: options.principal && { clientId: undefined, subject: undefined, scopes: [], claims: {}, ...options.principal },
    responseHeaders: new Map(),
    signal: new AbortController().signal,
  };
}

describe('client identity', () => {
  const identify = clientIdentifier({ idClaim: 'client_id', tierClaim: 'plan', trustedProxies: ['10.0.0.0/8', '::1'] });

  it('keys a principal by the configured claim, then client id, then azp, then sub, with its tier', () => {
    expect(identify(context({ principal: { claims: { client_id: 'app-1', plan: 'gold' }, clientId: 'x' } }))).toEqual({
      key: 'client:app-1', id: 'app-1', anonymous: false, tier: 'gold',
    });
    expect(identify(context({ principal: { clientId: 'key-7' } })).id).toBe('key-7');
    expect(identify(context({ principal: { claims: { azp: 'spa' }, subject: 'u1' } })).id).toBe('spa');
    expect(identify(context({ principal: { subject: 'u1' } })).id).toBe('u1');
  });

  it('keys anonymous requests by the peer address, ignoring X-Forwarded-For from untrusted peers', () => {
    expect(identify(context({ remote: '203.0.113.9', forwardedFor: '1.2.3.4' }))).toEqual({
      key: 'ip:203.0.113.9', id: '203.0.113.9', anonymous: true, tier: undefined,
    });
    expect(identify(context({ remote: '::ffff:192.0.2.1' })).id).toBe('192.0.2.1');
  });

  it('believes X-Forwarded-For from trusted proxies: the rightmost address that is not a proxy', () => {
    expect(identify(context({ remote: '10.1.2.3', forwardedFor: '6.6.6.6, 198.51.100.4, 10.0.0.7' })).id).toBe('198.51.100.4');
    expect(identify(context({ remote: '::1', forwardedFor: '198.51.100.5' })).id).toBe('198.51.100.5');
    // Garbage stops the walk: the last good address wins.
    expect(identify(context({ remote: '10.1.2.3', forwardedFor: 'nonsense, 10.0.0.8' })).id).toBe('10.0.0.8');
  });
});
