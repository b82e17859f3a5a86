import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import { type ClientIdentityOptions, clientIdentifier } from './client-identity.js';
import { createQuotaGate } from './quota-gate.js';
import type { QuotaMetrics } from './quota-metrics.js';
import type { BucketPolicy, TokenBucketStore } from './token-bucket-store.js';

/** Options of {@link createFailedAuthGuard}. */
export interface FailedAuthGuardOptions {
  /** Refused credentials allowed per `windowMs` from one address; the next one locks it for `windowMs`. */
  readonly max: number;
  readonly windowMs: number;
  /** `measure` logs what it would refuse and refuses nothing. */
  readonly mode: 'enforce' | 'measure';
  readonly store: TokenBucketStore;
  readonly onStoreError: 'allow' | 'deny';
  /** How the client address is found (`clients.trustedProxies`). */
  readonly clients: ClientIdentityOptions;
  readonly logger: Logger;
  readonly metrics?: QuotaMetrics;
}

/** Brute-force protection for the auth plugin: one call before a credential is checked, one after each refusal. */
export interface FailedAuthGuard {
  /** Before a presented credential is checked: the 429 to answer while the client's address is locked. */
  admit(context: RequestContext): Promise<AtriumError | undefined>;
  /** After a credential was refused: counts it; the 429 to answer instead of the 401 when it locked the address. */
  recordFailure(context: RequestContext): Promise<AtriumError | undefined>;
  close(): Promise<void>;
}

/**
 * Counts refused credentials per client address (the peer, or the X-Forwarded-For address that the
 * trusted proxies vouch for) in a token bucket of `max` refilling over `windowMs`. A refusal the bucket
 * cannot pay locks the address for `windowMs`: a second bucket of one token, emptied by the lock and
 * refilled after the window, so the lock lives in the same store as every other quota (memory, or Redis
 * shared by every replica) without a script of its own. While locked, requests with credentials are
 * refused before any verification, so a correct guess cannot be told from a wrong one.
 *
 * @example
 * const guard = createFailedAuthGuard({ max: 20, windowMs: 60_000, mode: 'enforce', store, onStoreError: 'allow', clients, logger });
 * const locked = await guard.admit(context); // AtriumError AUTH_RATE_LIMITED, or undefined
 */
export function createFailedAuthGuard(options: FailedAuthGuardOptions): FailedAuthGuard {
  const { store, logger, max, windowMs, mode } = options;
  const identify = clientIdentifier(options.clients);
  const gate = createQuotaGate({ store, onStoreError: options.onStoreError, mode, logger, ...(options.metrics && { metrics: options.metrics }) });
  const failures: BucketPolicy = { capacity: max, refillPerSecond: (max * 1000) / windowMs };
  const lock: BucketPolicy = { capacity: 1, refillPerSecond: 1000 / windowMs };
  const windowSeconds = Math.ceil(windowMs / 1000);
  const refusal = (retryAfterSeconds: number) =>
    new AtriumError('AUTH_RATE_LIMITED', `too many failed authentications from this address: more than ${max} per ${windowSeconds}s; retry after ${retryAfterSeconds}s`, {
      headers: { 'retry-after': String(retryAfterSeconds) },
      extensions: { retryAfter: retryAfterSeconds },
    });

  return {
    async admit(context) {
      if (mode === 'measure') return undefined;
      const key = `authlock:${identify(context).key}`;
      let remaining: number;
      let resetSeconds: number;
      try {
        ({ remaining, resetSeconds } = await store.take(key, 0, lock));
      } catch (error) {
        return gate.storeFailed(context, error, key);
      }
      if (remaining >= 1) return undefined;
      options.metrics?.decision('rejected');
      return refusal(Math.max(1, resetSeconds));
    },

    async recordFailure(context) {
      const client = identify(context).key;
      try {
        const counted = await store.take(`authfail:${client}`, 1, failures);
        if (counted.allowed) return undefined;
        if (mode === 'measure') {
          options.metrics?.decision('measured');
          logger.info({ requestId: context.requestId, client }, 'auth: too many failed authentications from an address (measure mode, not locked)');
          return undefined;
        }
        // Refused by concurrent requests at once, only the one that takes the lock logs it.
        const locked = await store.take(`authlock:${client}`, 1, lock);
        if (locked.allowed) logger.warn({ requestId: context.requestId, client, max, windowMs }, 'auth: too many failed authentications; address locked out');
      } catch (error) {
        return gate.storeFailed(context, error, `authfail:${client}`);
      }
      options.metrics?.decision('rejected');
      return refusal(windowSeconds);
    },

    close: () => store.close(),
  };
}
