/**
 * Admits at most `max` operations into execution at once; the others wait in arrival order. On one core,
 * running every request at the same time interleaves them all and makes each one late (the p99 of a
 * CPU-bound gateway grows with the number in flight) and keeps all their subgraph data alive at once;
 * finishing admitted operations first keeps latency and memory bounded. `max` 0 admits everything.
 */
export class OperationLimiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Waits for a slot; rejects with the signal's reason if it aborts first (the client went away). */
  acquire(signal: AbortSignal): Promise<void> | undefined {
    if (this.max === 0) return undefined;
    if (this.#active < this.max) {
      this.#active++;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', leave);
        this.#active++;
        resolve();
      };
      const leave = () => {
        const index = this.#waiting.indexOf(admit);
        if (index !== -1) this.#waiting.splice(index, 1);
        reject(signal.reason ?? new Error('aborted'));
      };
      signal.addEventListener('abort', leave, { once: true });
      this.#waiting.push(admit);
    });
  }

  release(): void {
    if (this.max === 0) return;
    this.#active--;
    this.#waiting.shift()?.();
  }

  /** Operations executing now, and waiting for a slot. */
  get load(): { active: number; waiting: number } {
    return { active: this.#active, waiting: this.#waiting.length };
  }
}
