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
       * The transport's synchronous send, for {@link ObservedStream.deliverItself}: each mapped result goes
       * here as it comes. A send or map that throws ends the stream with that error, as `terminate` does.
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
    return this.inner.next().then(
      (step) => this.stepped(step),
      (error: unknown) => this.failed(error),
    );
  }

  /**
   * Hands each event to `hooks.deliver` as it comes, when the inner stream can hand its values over
   * ({@link Deliverable}, the engine's per-client stream); the end then comes only to `hooks.onEnd`, and
   * nobody waits in `next()` (a pending read held two promises, their callbacks and the resolvers: ~700
   * bytes of each idle subscription). False, with nothing started, when the stream cannot: read it with
   * `next()`. Call it once the transport is ready for the first event: the queued ones come at once.
   */
  deliverItself(): boolean {
    const inner = this.inner as Partial<Deliverable>;
    if (this.delivering || this.ended || !this.hooks.deliver || typeof inner.deliverTo !== 'function') return false;
    this.delivering = true;
    inner.deliverTo(this);
    return true;
  }

  /** The inner stream ended while delivering (done, failed, or returned by `terminate` or `return`). */
  finish(error: unknown): void {
    if (this.ended) return;
    const failure = this.stopped ? this.stopError : error;
    this.end(failure === undefined ? {} : { error: failure });
  }

  /** An event of the inner stream, once delivering: mapped and sent at once (see `hooks.deliver`). */
  receive(value: ExecutionResult): void {
    const { hooks } = this;
    if (this.ended || this.stopped || !hooks.deliver) return;
    try {
      // Called on `hooks`, as its methods: the hooks may be an object with them on its prototype.
      hooks.deliver(hooks.map ? hooks.map(value) : value);
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
  deliverTo(receiver: { receive(value: ExecutionResult): void; finish(error: unknown): void }): void;
}

/** Whether an engine answer is a stream of events (not one result). */
export function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult, undefined, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
