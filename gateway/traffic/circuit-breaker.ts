/** The states of a circuit breaker, as operators and metrics name them. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Settings of one {@link CircuitBreaker} (`traffic.*.breaker`, durations in ms). */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  readonly failures: number;
  /** How long the breaker stays open before it lets trial requests through. */
  readonly openForMs: number;
  /** Trial requests allowed in flight at once while half-open. */
  readonly halfOpenRequests: number;
}

/** What {@link CircuitBreaker.acquire} granted: a normal request, a half-open trial, or nothing. */
export type BreakerPermit = 'closed' | 'trial' | undefined;

/**
 * A per-instance circuit breaker. Closed: requests pass and failures in a row are counted; `failures` of
 * them open it. Open: nothing passes until `openForMs` has gone by. Half-open: up to `halfOpenRequests`
 * trials pass; a trial's success closes the breaker, its failure opens it again for another `openForMs`.
 * The clock is read only when the breaker is open, so a closed breaker costs two field reads per request.
 *
 * @example
 * const breaker = new CircuitBreaker({ failures: 5, openForMs: 10_000, halfOpenRequests: 1 });
 * const permit = breaker.acquire();
 * if (permit === undefined) throw new AtriumError('SUBGRAPH_UNAVAILABLE', 'circuit open');
 * ok ? breaker.succeeded(permit) : breaker.failed(permit);
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failuresInRow = 0;
  #openedAt = 0;
  #trials = 0;

  constructor(
    public settings: BreakerSettings,
    /** Called on every state change (metrics, logs). */
    private readonly onChange?: (state: BreakerState) => void,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  get state(): BreakerState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.settings.openForMs) this.#enter('half-open');
    return this.#state;
  }

  /** Whether a request could pass now, without taking a trial slot (for choosing among instances). */
  isAvailable(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && this.#trials < this.settings.halfOpenRequests);
  }

  /** Lets one request pass, taking a trial slot when half-open; `undefined` when it must fail fast. */
  acquire(): BreakerPermit {
    const state = this.state;
    if (state === 'closed') return 'closed';
    if (state === 'half-open' && this.#trials < this.settings.halfOpenRequests) {
      this.#trials++;
      return 'trial';
    }
    return undefined;
  }

  succeeded(permit: BreakerPermit): void {
    if (permit === 'trial') this.#trials--;
    this.#failuresInRow = 0;
    if (this.#state !== 'closed' && permit === 'trial') this.#enter('closed');
  }

  failed(permit: BreakerPermit): void {
    if (permit === 'trial') {
      this.#trials--;
      this.#open();
      return;
    }
    if (this.#state === 'closed' && ++this.#failuresInRow >= this.settings.failures) this.#open();
  }

  /** The request ended without telling anything about the instance (the client left): give the slot back. */
  released(permit: BreakerPermit): void {
    if (permit === 'trial') this.#trials--;
  }

  #open(): void {
    this.#openedAt = this.now();
    this.#failuresInRow = 0;
    this.#enter('open');
  }

  #enter(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.onChange?.(state);
  }
}
