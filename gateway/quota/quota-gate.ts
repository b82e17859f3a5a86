import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import { NO_QUOTA_METRICS, type QuotaMetrics } from './quota-metrics.js';
import { reportRateLimit } from './rate-limit-headers.js';
import type { BucketPolicy, BucketResult, TokenBucketStore } from './token-bucket-store.js';

/** One take from one bucket. */
export interface QuotaTake {
  /** Bucket key, without the store's prefix (e.g. `cost:client:app-1`). */
  readonly key: string;
  readonly amount: number;
  readonly policy: BucketPolicy;
  /** Name of the policy in the RateLimit headers (`cost`, `requests`, `Mutation.createOrder`). */
  readonly policyName: string;
  /** What the client is told when the bucket cannot pay. */
  readonly deniedMessage: string;
  /** Extra extensions on the RATE_LIMITED error. */
  readonly deniedExtensions?: (result: BucketResult) => Record<string, unknown>;
}

/** What a take decided: the bucket after it (absent after a store error), and the error to reject with. */
export interface QuotaDecision {
  readonly result: BucketResult | undefined;
  readonly rejection: AtriumError | undefined;
}

/**
 * The one place quota decisions are made, for the cost budget and the rate limits alike: takes from the
 * store, writes the rate-limit headers, builds the 429 (RATE_LIMITED + Retry-After), and applies
 * `onStoreError` (log, count, then allow or 503) when the store fails. In `measure` mode it never rejects.
 *
 * @example
 * const gate = createQuotaGate({ store, onStoreError: 'allow', mode: 'enforce', logger });
 * const { rejection } = await gate.take(context, { key: 'requests:ip:10.0.0.1', amount: 1, policy, policyName: 'requests', deniedMessage: 'too many requests' });
 */
export function createQuotaGate(options: {
  store: TokenBucketStore;
  onStoreError: 'allow' | 'deny';
  mode: 'enforce' | 'measure';
  logger: Logger;
  metrics?: QuotaMetrics;
}) {
  const { store, logger } = options;
  const metrics = options.metrics ?? NO_QUOTA_METRICS;
  const report = (context: RequestContext, take: Pick<QuotaTake, 'policy' | 'policyName'>, result: BucketResult) =>
    reportRateLimit(context, {
      policy: take.policyName,
      limit: take.policy.capacity,
      remaining: result.remaining,
      resetSeconds: result.resetSeconds,
      // A bucket's window: how long it takes to refill from empty.
      windowSeconds: take.policy.capacity / take.policy.refillPerSecond,
    });

  const storeFailed = (context: RequestContext, error: unknown, key: string): AtriumError | undefined => {
    metrics.storeError();
    logger.warn({ err: error, requestId: context.requestId, key, onStoreError: options.onStoreError }, 'quota: store failed');
    if (options.onStoreError === 'allow' || options.mode === 'measure') return undefined;
    return new AtriumError('QUOTA_STORE_UNAVAILABLE', 'the quota store is unavailable; retry shortly', {
      headers: { 'retry-after': '1' },
      cause: error,
    });
  };

  /** A give-back or charge, after the answer: never refused; a store error is logged and counted. */
  const settle = async (
    context: RequestContext,
    take: Omit<QuotaTake, 'deniedMessage'>,
    method: 'giveBack' | 'charge',
  ): Promise<BucketResult | undefined> => {
    try {
      const result = await store[method](take.key, take.amount, take.policy);
      report(context, take, result);
      return result;
    } catch (error) {
      storeFailed(context, error, take.key);
      return undefined;
    }
  };

  return {
    async take(context: RequestContext, take: QuotaTake): Promise<QuotaDecision> {
      let result: BucketResult;
      try {
        result = await store.take(take.key, take.amount, take.policy);
      } catch (error) {
        return { result: undefined, rejection: storeFailed(context, error, take.key) };
      }
      report(context, take, result);
      if (result.allowed) {
        metrics.decision('allowed');
        return { result, rejection: undefined };
      }
      if (options.mode === 'measure') {
        metrics.decision('measured');
        logger.info({ requestId: context.requestId, key: take.key, amount: take.amount }, 'quota: would reject (measure mode)');
        return { result, rejection: undefined };
      }
      metrics.decision('rejected');
      const retryAfter = String(result.retryAfterSeconds);
      context.responseHeaders.set('retry-after', retryAfter);
      const rejection = new AtriumError('RATE_LIMITED', take.deniedMessage, {
        headers: { 'retry-after': retryAfter },
        extensions: { retryAfter: result.retryAfterSeconds, ...take.deniedExtensions?.(result) },
      });
      return { result, rejection };
    },

    /**
     * For callers that use the store directly (the failed-authentication guard): logs and counts a failed
     * store call, and returns the 503 to answer when `onStoreError` is `deny` (undefined otherwise).
     */
    storeFailed,

    /** Gives points back; returns the bucket after it (undefined after a store error, which is logged and counted). */
    giveBack: (context: RequestContext, take: Omit<QuotaTake, 'deniedMessage'>) => settle(context, take, 'giveBack'),

    /** Takes points for work already done, into debt if need be (`TokenBucketStore.charge`); as `giveBack` otherwise. */
    charge: (context: RequestContext, take: Omit<QuotaTake, 'deniedMessage'>) => settle(context, take, 'charge'),
  };
}

/** A quota gate as {@link createQuotaGate} builds it. */
export type QuotaGate = ReturnType<typeof createQuotaGate>;
