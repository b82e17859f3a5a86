import type { ExecutionResult } from 'graphql';

/** How an observed stream ended: completed (no error), failed, or returned by the client (`returned`). */
export interface StreamOutcome {
  readonly error?: unknown;
  readonly returned?: boolean;
}

/**
 * Wraps an engine stream for a transport: `map` sees each result on its way out (size bound, metrics) and
 * may throw to end the stream with that error, `onEnd` runs once however the stream ends (completed, failed,
 * terminated, or returned by the client), and `onError` may turn the error that ends the stream into a last
 * result (SSE sends it as a `next` event, since a failed SSE stream would just drop). `return()` is passed
 * straight to the inner stream, so a departing client closes the upstream subscription at once;
 * `terminate(error)` ends the stream from outside (token expired, supergraph reloaded) even while it waits
 * for an event: it returns the inner stream, whose pending read then ends (the engine's streams end a
 * pending read on `return()`), and that read throws the error. No race per event, no promise per stream.
 */
export class ObservedStream implements AsyncGenerator<ExecutionResult, undefined, undefined> {
  private ended = false;
  private stopped = false;
  private stopError: unknown;
  private delivering = false;

  constructor(
    private readonly inner: AsyncGenerator<ExecutionResult, undefined, undefined>,
    private readonly hooks: {
      map?(result: ExecutionResult): ExecutionResult;
      onEnd?(outcome: StreamOutcome): void;
      onError?(error: unknown): ExecutionResult | undefined;
      /**
       * The transport's synchronous send: when the inner stream can hand its values over as they come
       * ({@link Deliverable}, the engine's per-client stream), each mapped result goes here from the first
       * `next()` on, and `next()` settles only when the stream ends (done, failed, terminated). A send or
       * map that throws ends the stream with that error, as `terminate` does.
       */
      deliver?(result: ExecutionResult): void;
    },
  ) {}

  /**
   * Not an async function: a subscription waits in `next()` for as long as no event comes, and a suspended
   * async function held a generator, its registers and two more promises (~400 bytes per idle subscription).
   */
  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    // On the first read, not before: graphql-ws reads once it has registered the operation.
    if (!this.delivering && this.hooks.deliver) this.startDelivering();
    return this.inner.next().then(
      (step) => this.stepped(step),
      (error: unknown) => this.failed(error),
    );
  }

  private startDelivering(): void {
    this.delivering = true;
    const inner = this.inner as Partial<Deliverable>;
    if (typeof inner.deliverTo === 'function') inner.deliverTo(this);
  }

  /** An event of the inner stream, once delivering: mapped and sent at once (see `hooks.deliver`). */
  receive(value: ExecutionResult): void {
    const { map, deliver } = this.hooks;
    if (this.ended || this.stopped || !deliver) return;
    try {
      deliver(map ? map(value) : value);
    } catch (error) {
      this.terminate(error);
    }
  }

  private stepped(step: IteratorResult<ExecutionResult, undefined>): IteratorResult<ExecutionResult, undefined> {
    try {
      if (this.stopped) throw this.stopError;
      if (step.done) {
        this.end({});
        return step;
      }
      return { value: this.hooks.map ? this.hooks.map(step.value) : step.value, done: false };
    } catch (error) {
      return this.failed(error);
    }
  }

  private failed(error: unknown): IteratorResult<ExecutionResult, undefined> {
    if (this.ended) return { value: undefined, done: true };
    this.end({ error });
    // A map that threw or a terminate(): the upstream is still open.
    void this.inner.return(undefined);
    const last = this.hooks.onError?.(error);
    if (last === undefined) throw error;
    return { value: last, done: false };
  }

  /** Ends the stream with `error`: the transport's pending or next read gets it, the upstream is closed. */
  terminate(error: unknown): void {
    if (this.ended || this.stopped) return;
    this.stopped = true;
    this.stopError = error;
    void this.inner.return(undefined);
  }

  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.end({ returned: true });
    await this.inner.return(undefined);
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(outcome: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.hooks.onEnd?.(outcome);
  }
}

/** A stream that can hand each value to a synchronous receiver as it comes (PushStream.deliverTo). */
export interface Deliverable {
  deliverTo(receiver: { receive(value: ExecutionResult): void }): void;
}

/** Whether an engine answer is a stream of events (not one result). */
export function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult, undefined, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
