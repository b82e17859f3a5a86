import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { serializedOnce } from './serialized-event.js';
import { AtriumError, toGraphQLError } from '../../errors.js';
import { multipartFraming, partError } from '../../http/multipart.js';
import type { RequestContext } from '../../request-context.js';
import type { StreamPipeline } from './subscription-server.js';
import { streamPayloadOf } from './stream-operation.js';
import { acquireConnectionOrRefuse, jsonErrors, refusalBeforeStart } from './stream-refusal.js';
import { isAsyncGenerator } from './observed-stream.js';

const FRAMING = multipartFraming('graphql', 'subscriptionSpec="1.0"');

/**
 * Apollo's multipart HTTP subscriptions (what Apollo Client's HttpLink sends: `Accept:
 * multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json`). One request, one operation;
 * every event is a part `{"payload":{"data":…,"errors":…}}`, a heartbeat part `{}` goes out every
 * `subscriptions.multipartHeartbeat`, an error that ends the subscription (a subgraph failed) is a last part
 * `{"payload":null,"errors":[…]}`, and the body then ends with the close delimiter. Errors before the
 * stream starts (parse, validation, authorization, cost) are a JSON answer with the error's status, as over
 * SSE. A query or mutation sent this way is answered with one payload part. A client whose unsent bytes
 * exceed `subscriptions.maxBufferedBytes` is disconnected; a client that leaves closes the upstream.
 * https://www.apollographql.com/docs/graphos/routing/operations/subscriptions/multipart-protocol
 */
export function createMultipartSubscriptions(pipeline: StreamPipeline): {
  serve(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  close(): Promise<void>;
} {
  const { config, logger, registry } = pipeline;
  const open = new Set<ServerResponse>();
  let closing = false;

  const refuse = (res: ServerResponse, errors: readonly GraphQLError[]) => {
    const [text, init] = jsonErrors(errors);
    res.writeHead(init.status, init.headers).end(text);
  };

  return {
    async serve(req, res, context, body) {
      const refusal = refusalBeforeStart({ closing, enabled: config.enabled });
      if (refusal) return refuse(res, [toGraphQLError(refusal)]);
      const payload = streamPayloadOf(req, body);
      if (payload instanceof AtriumError) return refuse(res, [toGraphQLError(payload)]);
      const release = acquireConnectionOrRefuse(registry, req, res, config.maxConnectionsPerAddress);
      if (!release) return;
      res.once('close', release);
      const prepared = await pipeline.prepare(payload, context);
      if ('errors' in prepared) return refuse(res, prepared.errors as readonly GraphQLError[]);
      const result = await pipeline.run(prepared, { transport: 'multipart' });
      if (!isAsyncGenerator(result)) {
        // Refused before it subscribed (authorization, cost, quotas): a JSON answer with the status.
        const code = result.errors?.[0]?.extensions.code;
        if (result.data === undefined && typeof code === 'string') return refuse(res, result.errors as readonly GraphQLError[]);
        res.writeHead(200, { 'content-type': FRAMING.contentType, 'cache-control': 'no-cache' });
        res.end(FRAMING.start + FRAMING.part(eventPart(result)) + FRAMING.end);
        return;
      }
      res.writeHead(200, { 'content-type': FRAMING.contentType, 'cache-control': 'no-cache' });
      // The first heartbeat sends the head at once: the client knows the subscription stands.
      res.write(FRAMING.start + FRAMING.part('{}'));
      open.add(res);
      const stop = () => void result.return(undefined);
      res.once('close', stop);
      const heartbeat = setInterval(() => void (res.writableEnded || res.write(FRAMING.part('{}'))), config.multipartHeartbeat);
      heartbeat.unref();
      try {
        for await (const event of result) {
          if (res.writableEnded || res.destroyed) break;
          // Not awaited: a client that does not read lets bytes pile up in the response, which is the bound.
          res.write(FRAMING.part(eventPart(event)));
          if (res.writableLength > config.maxBufferedBytes) {
            logger.warn({ bufferedBytes: res.writableLength }, 'subscriptions: a slow multipart client was disconnected');
            res.destroy();
            break;
          }
        }
      } catch (error) {
        const last = error instanceof GraphQLError ? error : toGraphQLError(new AtriumError('INTERNAL_SERVER_ERROR', 'the subscription failed'));
        if (!(error instanceof GraphQLError)) logger.error({ err: error }, 'subscriptions: multipart stream failed');
        if (!res.writableEnded && !res.destroyed) res.write(FRAMING.part(JSON.stringify({ payload: null, errors: [partError(last)] })));
      } finally {
        clearInterval(heartbeat);
        res.off('close', stop);
        open.delete(res);
        stop();
        if (!res.writableEnded && !res.destroyed) res.end(FRAMING.end);
      }
    },
    async close() {
      closing = true;
      const error = toGraphQLError(new AtriumError('GATEWAY_SHUTTING_DOWN', 'the gateway is stopping; reconnect'));
      for (const res of open) res.end(FRAMING.part(JSON.stringify({ payload: null, errors: [partError(error)] })) + FRAMING.end);
    },
  };
}

/** One event as a part's JSON: `{"payload":{"data":…,"errors":…}}`, once for every client it goes to. */
const eventPart = serializedOnce((event) => {
  const payload = event.errors?.length ? { ...event, errors: event.errors.map(partError) } : event;
  return JSON.stringify({ payload });
});
