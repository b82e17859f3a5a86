import type { GraphQLFormattedError } from 'graphql';
import type { ErrorCode } from '../errors.js';

/** Apollo Server's message when an APQ registration's `sha256Hash` is not the hash of its query. */
const HASH_MISMATCH = 'provided sha does not match query';

/**
 * Apollo Server refuses some requests with HTTP 400 but code INTERNAL_SERVER_ERROR (an APQ hash that
 * does not match its query, an unsupported persisted-query version); the status and the code must tell
 * the same story (docs/errors.md). The hash mismatch gets its own code, any other such 400 BAD_REQUEST.
 */
export function recodeApolloBadRequest(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | undefined {
  if (formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return undefined;
  const status = (error as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http?.status;
  const code: ErrorCode | undefined = formatted.message === HASH_MISMATCH ? 'PERSISTED_QUERY_HASH_MISMATCH' : status === 400 ? 'BAD_REQUEST' : undefined;
  if (code === undefined) return undefined;
  return { message: formatted.message, extensions: { code } };
}
