import type { HttpResponseHookPayload } from '../server/hooks.js';
import { pickHeaders, redactValue } from './redact.js';
import { type RequestRecord, roundMs } from './request-record.js';

/** What goes into access-log lines besides the fixed fields (`log.accessLog`, `log.redact`). */
export interface AccessLogOptions {
  /** Request headers to copy (lower-case). */
  readonly headers: readonly string[];
  readonly variables: boolean;
  /** Lower-case names whose values are redacted. */
  readonly redact: ReadonlySet<string>;
}

/**
 * The fields of one access-log line. Only what the hooks learned appears: a request refused before
 * parsing has no operation, one without subgraph calls no `subgraphs`.
 *
 * @example
 * logger.info(accessLogFields(payload, record, options), 'access');
 * // {"requestId":"…","status":200,"durationMs":4.2,"operationName":"TopProducts","subgraphs":[{"name":"products","durationMs":1.9}],…}
 */
export function accessLogFields(
  payload: HttpResponseHookPayload,
  record: RequestRecord | undefined,
  options: AccessLogOptions,
): Record<string, unknown> {
  const { context } = payload;
  const fields: Record<string, unknown> = {
    requestId: payload.requestId,
    method: payload.method,
    path: payload.path,
    status: payload.status,
    durationMs: roundMs(payload.durationMs),
  };
  const clientId = context?.principal?.clientId;
  if (clientId !== undefined) fields.clientId = clientId;
  if (payload.errorCodes.length > 0) fields.errorCodes = payload.errorCodes;
  if (record) {
    if (record.operationType !== undefined) {
      fields.operationType = record.operationType;
      fields.operationName = record.operationName ?? null;
      fields.operationHash = record.queryHash;
    }
    const cost = record.result?.extensions?.cost;
    if (cost !== undefined) fields.cost = cost;
    if (record.subgraphs) fields.subgraphs = record.subgraphs;
    if (options.variables && record.variables) fields.variables = redactValue(record.variables, options.redact);
    if (record.span) fields.traceId = record.span.spanContext().traceId;
  }
  if (context && options.headers.length > 0) fields.headers = pickHeaders(context.http.headers, options.headers, options.redact);
  return fields;
}
