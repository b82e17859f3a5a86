import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createHandler, type Request as SseRequest } from 'graphql-sse';
import { AtriumError, toGraphQLError } from '../../errors.js';
import { acquireConnectionOrRefuse, jsonErrors, refusalBeforeStart } from './stream-refusal.js';
import type { RequestContext } from '../../request-context.js';
import type { StreamPipeline } from './subscription-server.js';
import { serializedEvent } from './serialized-event.js';
import { streamPayloadOf } from './stream-operation.js';

interface SseRaw {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly context: RequestContext;
  /** Events graphql-sse is printing, oldest first: each of its `next` messages stands for the first. */
  readonly events: ExecutionResult[];
}

/**
 * What `onNext` hands graphql-sse in place of an event, and the message it prints for it, which the serve
 * loop replaces with the event's own: its JSON is serialized once for every client that shares the event
 * (serialized-event.ts), not once per client by graphql-sse. (`@` is not allowed in a GraphQL name, so no
 * result prints the same.)
 */
const STAND_IN = { '@atrium-serialized': 'sse' } as ExecutionResult;
const STAND_IN_MESSAGE = `event: next\ndata: ${JSON.stringify(STAND_IN)}\n\n`;

/**
 * GraphQL over SSE (graphql-sse's handler, distinct connections mode only: no reservation tokens, one
 * operation per request). The HTTP server has read and size-checked the body and the `onRequest` hooks
 * have authenticated the request. Errors before the stream starts are a JSON answer with the error's
 * status; an error that ends a running subscription (a subgraph failed) is sent as a last `next` event
 * with the error, then `complete`. A client whose unsent bytes exceed `subscriptions.maxBufferedBytes` is
 * disconnected.
 */
export function createSseSubscriptions(pipeline: StreamPipeline): {
  serve(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  close(): Promise<void>;
} {
  const { config, logger, registry } = pipeline;
  const open = new Set<ServerResponse>();
  let closing = false;
  const handler = createHandler<SseRaw, undefined, Record<PropertyKey, unknown>>({
    // No token: every event-stream request is its own ("distinct") connection.
    authenticate: () => undefined,
    // Validated already, against the engine's schema (prepareStreamOperation).
    validate: () => [],
    async onSubscribe(req, params) {
      const prepared = await pipeline.prepare(params, req.raw.context);
      if ('errors' in prepared) return jsonErrors(prepared.errors as readonly GraphQLError[]);
      return {
        schema: prepared.engine.supergraph.apiSchema,
        document: prepared.request.document,
        ...(params.operationName && { operationName: params.operationName }),
        contextValue: { prepared, res: req.raw.res },
      } satisfies ExecutionArgs;
    },
    execute: (args) => runOperation(args.contextValue),
    subscribe: (args) => runOperation(args.contextValue),
    onNext(_ctx, req, result) {
      // The engine's streams yield whole results (no incremental patches over SSE).
      req.raw.events.push(result as ExecutionResult);
      return STAND_IN;
    },
  });
  const runOperation = (contextValue: unknown) => {
    const { prepared, res } = contextValue as { prepared: Parameters<StreamPipeline['run']>[0]; res: ServerResponse };
    // After a reload's grace: ended without `complete`, so the client reconnects (as on SIGTERM).
    return pipeline.run(prepared, { transport: 'sse', onError: lastEvent, restart: () => res.end() });
  };

  return {
    async serve(req, res, context, body) {
      // Checked here, so a malformed request gets the codes /graphql gives, not graphql-sse's own refusal.
      const payload = streamPayloadOf(req, body);
      const refusal = refusalBeforeStart({ closing, enabled: config.enabled }) ?? (payload instanceof AtriumError ? payload : undefined);
      if (refusal) {
        const [text, init] = jsonErrors([toGraphQLError(refusal)]);
        res.writeHead(init.status, init.headers).end(text);
        return;
      }
      const release = acquireConnectionOrRefuse(registry, req, res, config.maxConnectionsPerAddress);
      if (!release) return;
      res.once('close', release);
      const request: SseRequest<SseRaw, undefined> = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: { get: (key) => (key === 'accept' ? 'text/event-stream' : headerValue(req.headers[key])) },
        body: req.method === 'POST' ? (body as Record<PropertyKey, unknown>) : null,
        raw: { req, res, context, events: [] },
        context: undefined,
      };
      const [stream, init] = await handler(request);
      res.writeHead(init.status, init.statusText, init.headers);
      if (!stream || typeof stream === 'string') {
        res.end(stream ?? undefined);
        return;
      }
      open.add(res);
      const stop = () => void stream.return(undefined);
      res.once('close', stop);
      const { events } = request.raw;
      try {
        for await (const chunk of stream) {
          if (res.destroyed) break;
          const message = chunk === STAND_IN_MESSAGE ? `event: next\ndata: ${serializedEvent(events.shift()!)}\n\n` : chunk;
          // Not awaited: a client that does not read lets bytes pile up in the response, which is the bound.
          res.write(message);
          if (res.writableLength > config.maxBufferedBytes) {
            logger.warn({ bufferedBytes: res.writableLength }, 'subscriptions: a slow SSE client was disconnected');
            res.destroy();
            break;
          }
        }
      } catch (error) {
        logger.error({ err: error }, 'subscriptions: SSE stream failed');
      } finally {
        res.off('close', stop);
        open.delete(res);
        stop();
        if (!res.destroyed) res.end();
      }
    },
    async close() {
      closing = true;
      // Ended without `complete`: the client sees the stream drop and may reconnect elsewhere.
      for (const res of open) res.end();
    },
  };
}

/** A subscription that failed after it started: one last event with the error (SSE has no error event). */
function lastEvent(error: unknown): ExecutionResult {
  const graphQLError = error instanceof GraphQLError ? error : toGraphQLError(new AtriumError('INTERNAL_SERVER_ERROR', 'the subscription failed'));
  return { errors: [graphQLError] };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
