import type { ExecutionResult } from 'graphql';
import { parseMessage } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { nextMessage, nextMessageParts, serializedEvent } from '../../../../gateway/server/subscriptions/serialized-event.js';

describe('nextMessage', () => {
  it('is the graphql-ws next message of the subscription, for any id a client may choose', () => {
    const event: ExecutionResult = { data: { reviewAdded: { id: '7', body: 'say "hi" \u00e9 \u2028' } } };
    for (const id of ['1', 'c6a2b1e0-9d3f-4a57-8f0e-1b2c3d4e5f60', 'a "quoted" \\ id', '{"@atrium-serialized":-1}']) {
      const message = nextMessage(nextMessageParts(id), event);
      expect(parseMessage(message)).toEqual({ id, type: 'next', payload: event });
    }
  });

  it('splices the JSON serialized once for the event object, shared by every client', () => {
    const event: ExecutionResult = { data: { n: 1 } };
    const first = serializedEvent(event);
    nextMessage(nextMessageParts('a'), event);
    nextMessage(nextMessageParts('b'), event);
    expect(serializedEvent(event)).toBe(first);
    expect(nextMessage(nextMessageParts('b'), event)).toBe(`{"id":"b","type":"next","payload":${first}}`);
  });
});
