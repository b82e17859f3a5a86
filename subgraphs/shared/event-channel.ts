/**
 * An in-memory publish/subscribe channel for the demo subgraphs' Subscription fields: each subscriber
 * gets its own async iterator; `return()` (what graphql-ws calls when the client completes or goes away)
 * ends it at once, even while it waits for the next event.
 *
 * @example
 * const reviewAdded = new EventChannel<Review>();
 * const events = reviewAdded.subscribe();
 * reviewAdded.publish(review);
 */
export class EventChannel<T> {
  private readonly subscribers = new Set<(value: T) => void>();

  /** How many subscribers are listening now, in this process. */
  get size(): number {
    return this.subscribers.size;
  }

  publish(value: T): void {
    for (const deliver of this.subscribers) deliver(value);
  }

  subscribe(): AsyncGenerator<T, undefined, undefined> {
    const queue: T[] = [];
    let waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
    let done = false;
    const deliver = (value: T) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
      } else {
        queue.push(value);
      }
    };
    const finish = async (): Promise<IteratorResult<T, undefined>> => {
      done = true;
      this.subscribers.delete(deliver);
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return { value: undefined, done: true };
    };
    this.subscribers.add(deliver);
    const iterator: AsyncGenerator<T, undefined, undefined> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      throw: async (error: unknown) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
