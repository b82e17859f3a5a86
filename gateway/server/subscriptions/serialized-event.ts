import type { ExecutionResult } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';

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

/** The key of the stand-in payload; the message's tail then reads `"payload":{"@atrium-serialized":<n>}}`. */
const STAND_IN = '@atrium-serialized';
const STAND_IN_TAIL = /"payload":\{"@atrium-serialized":(\d+)\}\}$/;
/** Serialized events whose message is being stringified, by stand-in number (taken out when sent). */
const pending = new Map<number, string>();
let nextStandIn = 0;

/**
 * A stand-in payload for graphql-ws's `next` message (returned from its `onNext`): graphql-ws stringifies
 * the message around it, and the socket's `send` splices in the event's JSON, serialized once for every
 * client that shares the event (`withSerializedPayload`). `JSON.rawJSON` cannot do this: it takes
 * primitives only.
 */
export function serializedPayload(event: ExecutionResult): ExecutionResult {
  const standIn = nextStandIn++;
  pending.set(standIn, serializedEvent(event));
  return { [STAND_IN]: standIn } as ExecutionResult;
}

/** A message as graphql-ws stringified it, with the stand-in payload (if any) replaced by the event's JSON. */
export function withSerializedPayload(message: string): string {
  const tail = STAND_IN_TAIL.exec(message);
  if (!tail) return message;
  const standIn = Number(tail[1]);
  const json = pending.get(standIn);
  if (json === undefined) return message;
  pending.delete(standIn);
  return `${message.slice(0, tail.index)}"payload":${json}}`;
}

/** A `next` message of one subscription around its payload: graphql-ws's text before and after it. */
export type NextMessageParts = readonly [head: string, tail: string];

/**
 * The text graphql-ws stringifies for a `next` message of subscription `id`, around a stand-in payload, cut
 * where the payload goes: built once per subscription (on its first event), so that each event is sent
 * without graphql-ws's per-event path (an async function, two awaits, a copy of the result, a validation
 * and a stringify per client and event).
 */
export function nextMessageParts(id: string): NextMessageParts {
  const standIn = JSON.stringify({ [STAND_IN]: -1 });
  const message = stringifyMessage<MessageType.Next>({ id, type: MessageType.Next, payload: JSON.parse(standIn) as ExecutionResult });
  const at = message.lastIndexOf(standIn);
  return [message.slice(0, at), message.slice(at + standIn.length)];
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
