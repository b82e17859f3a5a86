import type { ExecutionResult } from 'graphql';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { SubgraphEventStream, SubgraphResponse } from '../subgraph-client/contracts.js';
import { PushStream } from '../subgraph-client/push-stream.js';

/**
 * Completed events that may wait for a client that takes them slowly (its transport sends one at a time);
 * one more ends the subscription with SUBSCRIPTION_SLOW_CONSUMER, so a slow client cannot grow the queue.
 */
export const MAX_QUEUED_EVENTS = 1000;

/**
 * The client's side of one subscription: each upstream event is completed (`complete`: the plan's rest,
 * shaping, response hooks) in order, one at a time, so events keep their order. When the upstream stream
 * fails, the client's stream ends with that error as a GraphQLError (code, `serviceName`); when the client
 * leaves (`return()`), the upstream subscription is closed at once.
 *
 * @example
 * return completeEvents(events, (event) => executor.execute({ ...input, subscriptionEvent: event }));
 */
export function completeEvents(
  events: SubgraphEventStream,
  complete: (event: SubgraphResponse['body']) => Promise<ExecutionResult>,
): PushStream<ExecutionResult> {
  const output = new PushStream<ExecutionResult>({
    onReturn: () => void events.return(undefined),
    maxQueued: MAX_QUEUED_EVENTS,
    overflow: () =>
      toGraphQLError(new AtriumError('SUBSCRIPTION_SLOW_CONSUMER', `more than ${MAX_QUEUED_EVENTS} events waited for the client to take them`)),
  });
  void (async () => {
    try {
      for await (const event of events) {
        if (output.done) return;
        output.push(await complete(event));
      }
      output.end();
    } catch (error) {
      const atrium = error instanceof AtriumError ? error : new AtriumError('INTERNAL_SERVER_ERROR', 'the subscription failed', { cause: error });
      output.end(toGraphQLError(atrium));
    }
  })();
  return output;
}
