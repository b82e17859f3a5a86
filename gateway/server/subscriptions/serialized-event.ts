import type { ExecutionResult } from 'graphql';

/**
 * Memoizes a serialization of events by the event object: clients that share the completion of an event
 * (engine/subscription-events.ts) get the same result object, so it is serialized once for all of them.
 *
 * @example
 * const partOf = serializedOnce((event) => JSON.stringify({ payload: event }));
 */
export function serializedOnce(serialize: (event: ExecutionResult) => string): (event: ExecutionResult) => string {
  const cache = new WeakMap<ExecutionResult, string>();
  return (event) => {
    let text = cache.get(event);
    if (text === undefined) {
      text = serialize(event);
      cache.set(event, text);
    }
    return text;
  };
}

/** An event's JSON (GraphQLErrors through their `toJSON`), once per event object. */
export const serializedEvent = serializedOnce((event) => JSON.stringify(event));

/** A graphql-transport-ws `next` message of one subscription around its payload: the text before and after it. */
export type NextMessageParts = readonly [head: string, tail: string];

/**
 * The `next` message of subscription `id` around its payload, built once per subscription (on its first
 * event), so that each event costs one concatenation per client.
 */
export function nextMessageParts(id: string): NextMessageParts {
  return [`{"id":${JSON.stringify(id)},"type":"next","payload":`, '}'];
}

/**
 * A `next` message with the event's JSON (serialized once for all clients that share it) spliced in.
 *
 * @example
 * nextMessage(nextMessageParts('1'), { data: { reviewAdded: { id: '7' } } }); // {"id":"1","type":"next","payload":{"data":…}}
 */
export function nextMessage([head, tail]: NextMessageParts, event: ExecutionResult): string {
  return head + serializedEvent(event) + tail;
}
