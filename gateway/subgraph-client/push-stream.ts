/** What {@link PushStream.deliverTo} hands values to. */
export interface Receiver<T> {
  receive(value: T): void;
  /** The stream ended (by its producer, with the error if any, or returned): nothing more comes. */
  finish?(error: unknown): void;
}

/**
 * An async iterator fed by pushes: the producer calls `push` and `end`, the consumer iterates. Unlike an
 * async generator, `return()` takes effect at once, also while the consumer waits for the next value, so a
 * departing client releases what feeds it (the WebSocket, SSE and multipart transports call `return()` when
 * it leaves) without waiting for one more event. Values queue up to `maxQueued`; one more ends the stream
 * with `overflow()`.
 *
 * @example
 * const stream = new PushStream<string>({ onReturn: () => upstream.close() });
 * stream.push('a');
 * for await (const value of stream) console.log(value);
 */
export class PushStream<T> implements AsyncGenerator<T, undefined, undefined> {
  private readonly queue: T[] = [];
  private waiting: { resolve(result: IteratorResult<T, undefined>): void; reject(error: unknown): void } | undefined;
  private finished = false;
  private failure: unknown;
  private readonly onReturn: ((stream: PushStream<T>) => void) | undefined;
  private readonly maxQueued: number;
  private readonly overflow: (() => unknown) | undefined;
  private receiver: Receiver<T> | undefined;

  /** `onReturn` gets the stream, so that one function can serve many streams (no closure per stream). */
  constructor(options: { onReturn?: (stream: PushStream<T>) => void; maxQueued?: number; overflow?: () => unknown } = {}) {
    this.onReturn = options.onReturn;
    this.maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
    this.overflow = options.overflow;
  }

  /** True once ended by the producer or returned by the consumer. */
  get done(): boolean {
    return this.finished;
  }

  push(value: T): void {
    if (this.finished) return;
    if (this.receiver) {
      this.receiver.receive(value);
      return;
    }
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.end(this.overflow?.() ?? new Error('too many values queued'));
      this.onReturn?.(this);
      return;
    }
    this.queue.push(value);
  }

  /**
   * Hands every value, the queued ones first, to `receiver.receive` as it is pushed, instead of to
   * `next()`, which then settles only when the stream ends. A consumer that can take a value synchronously
   * (a WebSocket write) skips a promise and a turn per value; with many clients on one event, that was
   * most of the cost of a delivery. `receive` must not throw: it runs inside the producer's `push`. An
   * object, not a function: the consumer itself, no closure per stream. `receiver.finish` hears of the
   * end (at once when the stream ended before), so the consumer need not wait in `next()` for it.
   */
  deliverTo(receiver: Receiver<T>): void {
    // One at a time: a `return()` from inside `receive` empties the queue and stops the loop.
    while (this.queue.length > 0) receiver.receive(this.queue.shift()!);
    if (!this.finished) this.receiver = receiver;
    else receiver.finish?.(this.failure);
  }

  /** Ends the stream after the queued values; with an error, the consumer's next read throws it. */
  end(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    const { receiver } = this;
    this.receiver = undefined;
    receiver?.finish?.(error);
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (error === undefined) waiting.resolve({ value: undefined, done: true });
      else {
        this.failure = undefined;
        waiting.reject(error);
      }
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.finished) {
      const failure = this.failure;
      this.failure = undefined;
      return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure);
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    const wasOpen = !this.finished;
    this.queue.length = 0;
    this.failure = undefined;
    this.end();
    if (wasOpen) this.onReturn?.(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
