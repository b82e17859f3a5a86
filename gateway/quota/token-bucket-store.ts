/** How one bucket fills: at most `capacity` points, `refillPerSecond` points back every second. */
export interface BucketPolicy {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** A bucket after one call. */
export interface BucketResult {
  /** Whether the points asked for were taken (always true for a give-back). */
  readonly allowed: boolean;
  /** Whole points left. */
  readonly remaining: number;
  /** Seconds until the bucket will hold the points asked for; 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
}

/**
 * Token buckets by key (memory for one process, Redis for replicas). Every call is
 * one atomic read-refill-write: a take either takes all the points asked for or none.
 */
export interface TokenBucketStore {
  /** Takes `amount` points if the bucket holds them, nothing otherwise. A new bucket starts full. */
  take(key: string, amount: number, policy: BucketPolicy): Promise<BucketResult>;
  /** Gives `amount` points back, never filling past capacity. */
  giveBack(key: string, amount: number, policy: BucketPolicy): Promise<BucketResult>;
  /**
   * Takes `amount` points whatever the bucket holds, for work already done (an answer that cost more than
   * its estimate): the bucket may go below zero, down to minus its capacity, a debt the refill pays first.
   */
  charge(key: string, amount: number, policy: BucketPolicy): Promise<BucketResult>;
  /** Stops timers and connections; calling it again does nothing. */
  close(): Promise<void>;
}

/**
 * The result of a bucket holding `tokens` (fractional) after a call that asked for `amount` points.
 *
 * @example
 * bucketResult(3.5, 10, false, { capacity: 100, refillPerSecond: 2 }); // { allowed: false, remaining: 3, retryAfterSeconds: 4, resetSeconds: 49 }
 */
export function bucketResult(tokens: number, amount: number, allowed: boolean, policy: BucketPolicy): BucketResult {
  const rate = policy.refillPerSecond;
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((amount - tokens) / rate)),
    resetSeconds: Math.max(0, Math.ceil((policy.capacity - tokens) / rate)),
  };
}
