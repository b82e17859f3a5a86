import type { GraphQLError } from 'graphql';
import { AtriumError, ERROR_CODES, type ErrorCode } from '../../errors.js';

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
