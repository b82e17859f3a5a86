import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { AtriumError, ERROR_CODES, type ErrorCode, toGraphQLError } from '../../errors.js';
import type { SubscriptionRegistry } from './subscription-registry.js';

/** Why a new stream is refused before anything runs: the gateway is stopping, or subscriptions are off. */
export function refusalBeforeStart(state: { closing: boolean; enabled: boolean }): AtriumError | undefined {
  if (state.closing) return new AtriumError('GATEWAY_SHUTTING_DOWN', 'the gateway is stopping; reconnect');
  if (!state.enabled) return new AtriumError('SUBSCRIPTIONS_NOT_SUPPORTED', 'subscriptions are off on this gateway (subscriptions.enabled: false)');
  return undefined;
}

/** A JSON error answer before any event, with the status of the first error's code (never 200). */
export function jsonErrors(errors: readonly GraphQLError[]): readonly [string, { status: number; statusText: string; headers: Record<string, string> }] {
  const code = errors[0]?.extensions.code;
  const status = typeof code === 'string' && code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].status : 400;
  return [
    JSON.stringify({ errors: errors.map((e) => e.toJSON()) }),
    { status: status === 200 ? 400 : status, statusText: 'Error', headers: { 'content-type': 'application/json; charset=utf-8' } },
  ];
}

/**
 * Takes a connection slot of the request's address for an SSE or multipart stream, or answers 429
 * TOO_MANY_CONNECTIONS and returns `undefined`. The caller releases the slot when the response closes.
 */
export function acquireConnectionOrRefuse(registry: SubscriptionRegistry, req: IncomingMessage, res: ServerResponse, max: number): (() => void) | undefined {
  const release = registry.acquireConnection(req.socket.remoteAddress);
  if (release) return release;
  const error = new AtriumError('TOO_MANY_CONNECTIONS', `this address already has ${max} streaming connections open (subscriptions.maxConnectionsPerAddress)`);
  const [text, init] = jsonErrors([toGraphQLError(error)]);
  res.writeHead(init.status, init.headers).end(text);
  return undefined;
}
