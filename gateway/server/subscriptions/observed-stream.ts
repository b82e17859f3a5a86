import type { ExecutionResult } from 'graphql';

/**
 * Wraps an engine stream for a transport: `map` sees each result on its way out (size bound, metrics),
 * `onEnd` runs once however the stream ends (completed, failed, or returned by the client), and `onError`
 * may turn the error that ends the stream into a last result (SSE sends it as a `next` event, since a
 * failed SSE stream would just drop). `return()` is passed straight to the inner stream, so a departing
 * client closes the upstream subscription at once.
 */
export class ObservedStream implements AsyncGenerator<ExecutionResult, undefined, undefined> {
  private ended = false;

  constructor(
    private readonly inner: AsyncGenerator<ExecutionResult, undefined, undefined>,
    private readonly hooks: {
      map?(result: ExecutionResult): ExecutionResult;
      onEnd?(): void;
      onError?(error: unknown): ExecutionResult | undefined;
    },
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.ended) return { value: undefined, done: true };
    let step: IteratorResult<ExecutionResult, undefined>;
    try {
      step = await this.inner.next();
    } catch (error) {
      this.end();
      const last = this.hooks.onError?.(error);
      if (last === undefined) throw error;
      return { value: last, done: false };
    }
    if (step.done) {
      this.end();
      return step;
    }
    return { value: this.hooks.map ? this.hooks.map(step.value) : step.value, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.end();
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

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.hooks.onEnd?.();
  }
}

/** Whether an engine answer is a stream of events (not one result). */
export function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult, undefined, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
