import type { ExecutionResult } from 'graphql';

/** `JSON.rawJSON` (Node 21+): text that `JSON.stringify` inserts as it is. Node 20 lacks it. */
const rawJSON = (JSON as { rawJSON?: (text: string) => object }).rawJSON;

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

/**
 * The event as a payload the protocol libraries (graphql-ws, graphql-sse) stringify into their messages:
 * its JSON, serialized once, inserted raw where the runtime has `JSON.rawJSON`; else the event itself.
 */
export function preSerialized(event: ExecutionResult): ExecutionResult {
  return rawJSON ? (rawJSON(serializedEvent(event)) as ExecutionResult) : event;
}
