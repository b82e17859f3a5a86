import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../../gateway/engine/engine.js';
import { clientKeyOf, SubscriptionRegistry } from '../../../../gateway/server/subscriptions/subscription-registry.js';
import type { Principal } from '../../../../gateway/request-context.js';

const principal = (fields: Partial<Principal>): Principal => ({ clientId: undefined, subject: undefined, scopes: [], claims: {}, ...fields });

describe('SubscriptionRegistry', () => {
  it('counts subscriptions per client up to maxPerClient, and a release frees one slot', () => {
    const registry = new SubscriptionRegistry({ maxPerClient: 2, maxConnectionsPerAddress: 10 });
    const web = principal({ clientId: 'web' });
    const first = registry.acquireSubscription(web, '10.0.0.1');
    const second = registry.acquireSubscription(web, '10.0.0.2');
    expect(first).toBe('client:web');
    expect(second).toBe('client:web');
    expect(registry.acquireSubscription(web, '10.0.0.3')).toBeUndefined();
    // Another client, and anonymous callers from an address, have their own counts.
    expect(registry.acquireSubscription(principal({ clientId: 'mobile' }), '10.0.0.1')).toBe('client:mobile');
    expect(registry.acquireSubscription(undefined, '10.0.0.1')).toBe('address:10.0.0.1');
    registry.releaseSubscription(first!);
    expect(registry.acquireSubscription(web, '10.0.0.1')).toBe('client:web');
    expect(registry.acquireSubscription(web, '10.0.0.1')).toBeUndefined();
    registry.releaseSubscription(first!);
    registry.releaseSubscription(second!);
    expect(registry.acquireSubscription(web, '10.0.0.1')).toBe('client:web');
  });

  it('counts connections per address up to maxConnectionsPerAddress', () => {
    const registry = new SubscriptionRegistry({ maxPerClient: 10, maxConnectionsPerAddress: 1 });
    const release = registry.acquireConnection('10.0.0.1');
    expect(registry.acquireConnection('10.0.0.1')).toBeUndefined();
    expect(registry.acquireConnection('10.0.0.2')).toBeTypeOf('function');
    release!();
    expect(registry.acquireConnection('10.0.0.1')).toBeTypeOf('function');
  });

  it('restarts, after reloadGrace, the subscriptions open on another engine when the swap happened', async () => {
    const registry = new SubscriptionRegistry({ maxPerClient: 10, maxConnectionsPerAddress: 10, reloadGrace: 10 });
    const [oldEngine, newEngine] = [{} as Engine, {} as Engine];
    const restarted: string[] = [];
    registry.track({ engine: oldEngine, restart: () => restarted.push('old, still open') });
    const ended = { engine: oldEngine, restart: () => void restarted.push('old, ended before the grace') };
    registry.track(ended);
    registry.track({ engine: newEngine, restart: () => restarted.push('new') });
    registry.engineSwapped(newEngine);
    registry.untrack(ended);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(restarted).toEqual(['old, still open']);
  });

  it('restarts nothing without reloadGrace', async () => {
    const registry = new SubscriptionRegistry({ maxPerClient: 10, maxConnectionsPerAddress: 10 });
    const restarted: string[] = [];
    registry.track({ engine: {} as Engine, restart: () => restarted.push('old') });
    registry.engineSwapped({} as Engine);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(restarted).toEqual([]);
  });
});

describe('clientKeyOf', () => {
  it('is the client id, else the subject, else the address', () => {
    expect(clientKeyOf(principal({ clientId: 'web', subject: '42' }), '10.0.0.1')).toBe('client:web');
    expect(clientKeyOf(principal({ subject: '42' }), '10.0.0.1')).toBe('subject:42');
    expect(clientKeyOf(undefined, '10.0.0.1')).toBe('address:10.0.0.1');
  });
});
