import { type BreakerSettings, CircuitBreaker } from './circuit-breaker.js';
import type { Balance } from './traffic-settings.js';

/** One URL a subgraph is served from, with what balancing, health checks and the breaker know of it. */
export class Instance {
  /** Requests in flight to this instance (least-outstanding balancing). */
  outstanding = 0;
  /** Set by active health checks; an unhealthy instance leaves the rotation. */
  healthy = true;
  breaker: CircuitBreaker | undefined;

  constructor(
    readonly subgraph: string,
    /** Names the instance in `/ready` and logs without its URL: `<version>/<index>`. */
    readonly id: string,
    readonly url: string,
  ) {}

  /** Creates, updates or drops the breaker for new settings; a kept breaker keeps its state. */
  configureBreaker(settings: BreakerSettings | undefined, onChange: (instance: Instance) => void): void {
    if (settings === undefined) this.breaker = undefined;
    else if (this.breaker === undefined) this.breaker = new CircuitBreaker(settings, () => onChange(this));
    else this.breaker.settings = settings;
  }

  /** Whether a request could go here now; `ignoreHealth` is the last resort when every instance is unhealthy. */
  accepts(ignoreHealth: boolean): boolean {
    return (ignoreHealth || this.healthy) && (this.breaker === undefined || this.breaker.isAvailable());
  }
}

/** The instances of one version (`versions.<name>`), balanced round-robin or by fewest requests in flight. */
export class InstanceSet {
  #next = 0;

  constructor(
    readonly name: string,
    readonly weight: number,
    readonly instances: readonly Instance[],
  ) {}

  /**
   * The instance the next request goes to, or `undefined` when none accepts requests. `avoid` (the
   * instance a retry failed on) is taken only when it is the sole one left.
   *
   * @example
   * set.pick('least-outstanding', undefined, false)?.url;
   */
  pick(balance: Balance, avoid: Instance | undefined, ignoreHealth: boolean): Instance | undefined {
    const { instances } = this;
    const count = instances.length;
    const start = this.#next % count;
    let best: Instance | undefined;
    let bestIndex = -1;
    for (let i = 0; i < count; i++) {
      const index = (start + i) % count;
      const instance = instances[index]!;
      if (instance === avoid || !instance.accepts(ignoreHealth)) continue;
      if (best === undefined || instance.outstanding < best.outstanding) {
        best = instance;
        bestIndex = index;
        if (balance === 'round-robin') break;
      }
    }
    if (best === undefined) return avoid !== undefined && avoid.accepts(ignoreHealth) && instances.includes(avoid) ? avoid : undefined;
    this.#next = balance === 'round-robin' ? bestIndex + 1 : start + 1;
    return best;
  }
}

/**
 * Splits requests between versions by weight with smooth weighted round-robin (nginx's algorithm): over
 * any run of `sum of weights` requests each version gets exactly its weight, interleaved rather than in
 * bursts, so a 95/5 canary sees 5 requests in every 100 from the first 100 on.
 *
 * @example
 * const split = new VersionSplit([stable, canary]); // weights 95 and 5
 * split.choose().name; // 'stable' 95 times in 100
 */
export class VersionSplit {
  readonly #current: number[];
  readonly #total: number;

  constructor(readonly sets: readonly InstanceSet[]) {
    this.#current = sets.map(() => 0);
    this.#total = sets.reduce((sum, set) => sum + set.weight, 0);
  }

  choose(): InstanceSet {
    const { sets } = this;
    if (sets.length === 1) return sets[0]!;
    let best = 0;
    for (let i = 0; i < sets.length; i++) {
      this.#current[i]! += sets[i]!.weight;
      if (this.#current[i]! > this.#current[best]!) best = i;
    }
    this.#current[best]! -= this.#total;
    return sets[best]!;
  }
}
