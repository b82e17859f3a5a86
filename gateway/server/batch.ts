import type { GatewayConfig } from '../config/schema.js';
import { AtriumError, limitError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import { errorResponse } from '../http/write-response.js';
import type { HttpGraphQLRequest, HttpResponse } from '../http/graphql-exchange.js';

/**
 * Runs a batched request (a JSON array of operations): each operation goes through the whole pipeline —
 * persisted queries, limits, validation, every plugin hook, execution — with its own request context
 * (same principal and signal, own response headers, merged into the batch's), so per-request plugin state
 * never mixes two operations. The answer is the JSON array of the operations' responses, in order; its
 * status is theirs when they all agree, else 200.
 *
 * @example
 * await runBatch({ request, operations: request.body, context, limits: config.limits, logger, handleOne });
 */
export async function runBatch(options: {
  request: HttpGraphQLRequest;
  operations: readonly unknown[];
  context: RequestContext;
  limits: GatewayConfig['limits'];
  logger: Logger;
  handleOne(request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse>;
}): Promise<HttpResponse> {
  const { request, operations, context, limits, logger } = options;
  if (operations.length === 0) return errorResponse(new AtriumError('BAD_REQUEST', 'the batch holds no operation'));
  if (operations.length > limits.maxBatchSize) {
    const error = limitError({
      code: 'BATCH_TOO_LARGE',
      limit: 'maxBatchSize',
      what: `batch holds ${operations.length} operations`,
      max: limits.maxBatchSize,
      actual: operations.length,
    });
    if (limits.mode === 'enforce') return errorResponse(error);
    logger.warn({ requestId: context.requestId, ...error.extensions }, `limits: ${error.message} (measure mode, not rejected)`);
  }
  const responses = await Promise.all(
    operations.map(async (operation) => {
      // Apollo Server answers an array here "Operation batching disabled.", which is untrue: batches do
      // not nest.
      if (Array.isArray(operation)) return errorResponse(new AtriumError('BAD_REQUEST', 'a batch item must be an operation object; batches do not nest'));
      // And a number, string or null "POST body missing, invalid Content-Type, or JSON object has no keys.",
      // which is not what is wrong with it.
      if (typeof operation !== 'object' || operation === null) return errorResponse(new AtriumError('BAD_REQUEST', `a batch item must be an operation object, not ${operation === null ? 'null' : typeof operation}`));
      const own: RequestContext = { ...context, responseHeaders: new Map() };
      const response = await options.handleOne({ ...request, body: operation }, own);
      for (const [name, value] of own.responseHeaders) context.responseHeaders.set(name, value);
      if (typeof response.body !== 'string') {
        throw new Error('an operation of a batch answered with a stream (incremental delivery)');
      }
      return response;
    }),
  );
  const status = responses.every((response) => response.status === responses[0]!.status) ? responses[0]!.status : 200;
  const errorCodes = responses.flatMap((response) => response.errorCodes ?? []);
  return {
    status,
    headers: new Map([['content-type', responses[0]!.headers.get('content-type') ?? 'application/json; charset=utf-8']]),
    body: `[${responses.map((response) => response.body as string).join(',')}]`,
    ...(errorCodes.length > 0 && { errorCodes }),
  };
}
