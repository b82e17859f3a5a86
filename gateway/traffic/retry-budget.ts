const WINDOW_SECONDS = 10;

/**
 * A retry budget over a sliding window of ten one-second buckets: a retry is allowed while the retries
 * in the window stay within `ratio` of the first attempts plus `minPerSecond` per second of the window.
 * This is what keeps retries from multiplying the load on a subgraph that is failing for everyone
 * (the approach of Finagle's and Linkerd's retry budgets).
 *
 * @example
 * const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 1 });
 * budget.recordRequest();
 * if (budget.tryRetry()) retry();
 */
export class RetryBudget {
  readonly #requests = new Float64Array(WINDOW_SECONDS);
  readonly #retries = new Float64Array(WINDOW_SECONDS);
  /** The second (since the clock's origin) each bucket holds. */
  readonly #seconds = new Float64Array(WINDOW_SECONDS).fill(-1);

  constructor(
    public settings: { readonly ratio: number; readonly minPerSecond: number },
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Counts a first attempt. */
  recordRequest(): void {
    this.#requests[this.#bucket()]!++;
  }

  /** Takes one retry from the budget; false when the budget is spent (the retry must not be made). */
  tryRetry(): boolean {
    const current = this.#bucket();
    let requests = 0;
    let retries = 0;
    const second = this.#seconds[current]!;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (second - this.#seconds[i]! < WINDOW_SECONDS) {
        requests += this.#requests[i]!;
        retries += this.#retries[i]!;
      }
    }
    if (retries + 1 > requests * this.settings.ratio + this.settings.minPerSecond * WINDOW_SECONDS) return false;
    this.#retries[current]!++;
    return true;
  }

  /** Index of the current second's bucket, emptied when it last held an older second. */
  #bucket(): number {
    const second = Math.floor(this.now() / 1000);
    const index = second % WINDOW_SECONDS;
    if (this.#seconds[index] !== second) {
      this.#seconds[index] = second;
      this.#requests[index] = 0;
      this.#retries[index] = 0;
    }
    return index;
  }
}
