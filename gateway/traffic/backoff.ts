/**
 * Jittered exponential backoff ("full jitter"): a random wait between 0 and `base * 2^retry`, capped at
 * `max`. Random waits spread the retries of many requests that failed together, so they do not arrive
 * at the subgraph together again. https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * @example
 * backoffMs(0, 50, 1000); // between 0 and 50
 * backoffMs(3, 50, 1000); // between 0 and 400
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** retry);
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts (the client left or the request
 * deadline passed), so a backoff never outlives its request.
 *
 * @example
 * await sleep(backoffMs(0, 50, 1000), context.signal);
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
