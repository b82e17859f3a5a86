import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { createFailedAuthGuard } from '../../../gateway/quota/failed-auth-guard.js';
import { createMemoryTokenBucketStore } from '../../../gateway/quota/memory-token-bucket-store.js';
import type { TokenBucketStore } from '../../../gateway/quota/token-bucket-store.js';
import type { RequestContext } from '../../../gateway/request-context.js';

function context(remoteAddress: string): RequestContext {
  return {
    requestId: 'r',
    http: { method: 'POST', url: '/graphql', headers: {}, remoteAddress },
    principal: undefined,
    responseHeaders: new Map(),
    signal: new AbortController().signal,
  };
}

const clients = { idClaim: 'client_id', tierClaim: 'plan', trustedProxies: [] };
const logger = createLogger({ level: 'silent' });

describe('failed-authentication guard', () => {
  it('locks an address for the whole window after max refusals, then lets it try max times again', async () => {
    let now = 0;
    const store = createMemoryTokenBucketStore({ now: () => now });
    const guard = createFailedAuthGuard({ max: 2, windowMs: 60_000, mode: 'enforce', store, onStoreError: 'allow', clients, logger });
    const attacker = context('192.0.2.1');

    expect(await guard.admit(attacker)).toBeUndefined();
    expect(await guard.recordFailure(attacker)).toBeUndefined();
    expect(await guard.recordFailure(attacker)).toBeUndefined();
    const lock = await guard.recordFailure(attacker);
    expect(lock?.code).toBe('AUTH_RATE_LIMITED');
    expect(lock?.headers['retry-after']).toBe('60');

    now = 30_000;
    const stillLocked = await guard.admit(attacker);
    expect(stillLocked?.code).toBe('AUTH_RATE_LIMITED');
    expect(stillLocked?.headers['retry-after']).toBe('30');
    expect(await guard.admit(context('192.0.2.2'))).toBeUndefined();

    now = 59_999;
    expect((await guard.admit(attacker))?.code).toBe('AUTH_RATE_LIMITED');
    now = 60_000;
    expect(await guard.admit(attacker)).toBeUndefined();
    expect(await guard.recordFailure(attacker)).toBeUndefined();
    expect(await guard.recordFailure(attacker)).toBeUndefined();
    expect((await guard.recordFailure(attacker))?.code).toBe('AUTH_RATE_LIMITED');
    await guard.close();
  });

  it('never refuses in measure mode', async () => {
    const guard = createFailedAuthGuard({ max: 1, windowMs: 60_000, mode: 'measure', store: createMemoryTokenBucketStore(), onStoreError: 'deny', clients, logger });
    const attacker = context('192.0.2.3');
    for (let i = 0; i < 5; i += 1) expect(await guard.recordFailure(attacker)).toBeUndefined();
    expect(await guard.admit(attacker)).toBeUndefined();
    await guard.close();
  });

  it('applies onStoreError when the store fails: allow admits, deny answers 503', async () => {
    const broken: TokenBucketStore = {
      take: () => Promise.reject(new Error('redis is down')),
      giveBack: () => Promise.reject(new Error('redis is down')),
      charge: () => Promise.reject(new Error('redis is down')),
      close: async () => {},
    };
    const allow = createFailedAuthGuard({ max: 1, windowMs: 1_000, mode: 'enforce', store: broken, onStoreError: 'allow', clients, logger });
    expect(await allow.admit(context('192.0.2.4'))).toBeUndefined();
    expect(await allow.recordFailure(context('192.0.2.4'))).toBeUndefined();
    const deny = createFailedAuthGuard({ max: 1, windowMs: 1_000, mode: 'enforce', store: broken, onStoreError: 'deny', clients, logger });
    expect((await deny.admit(context('192.0.2.4')))?.code).toBe('QUOTA_STORE_UNAVAILABLE');
  });
});
