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

/**
 * Sends graphql-ws `next` messages of subscription `id` with `send`, without graphql-ws's per-event path
 * (an async function, two awaits, a copy of the result and a validation per client and event): graphql-ws
 * stringifies the message once, around a stand-in payload, on the first event, and every event's JSON
 * (serialized once for all clients that share it) is spliced into that text.
 *
 * @example
 * const deliver = nextMessages('1', (message) => socket.send(message));
 * deliver({ data: { reviewAdded: { id: '7' } } }); // {"id":"1","type":"next","payload":{"data":…}}
 */
export function nextMessages(id: string, send: (message: string) => void): (event: ExecutionResult) => void {
  let head: string | undefined;
  let tail = '';
  return (event) => {
    if (head === undefined) {
      const standIn = JSON.stringify({ [STAND_IN]: -1 });
      const message = stringifyMessage<MessageType.Next>({ id, type: MessageType.Next, payload: JSON.parse(standIn) as ExecutionResult });
      const at = message.lastIndexOf(standIn);
      head = message.slice(0, at);
      tail = message.slice(at + standIn.length);
    }
    send(head + serializedEvent(event) + tail);
  };
}
