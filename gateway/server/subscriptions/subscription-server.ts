import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Engine, OperationRequest } from '../../engine/engine.js';
import { AtriumError, toGraphQLError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RequestContext } from '../../request-context.js';
import type { ServerHooks } from '../hooks.js';
import type { SubscriptionsConfig } from './config.js';
import { isAsyncGenerator, ObservedStream } from './observed-stream.js';
import { createMultipartSubscriptions } from './multipart-subscriptions.js';
import { createSseSubscriptions } from './sse-subscriptions.js';
import { prepareStreamOperation, type StreamOperationPayload } from './stream-operation.js';
import { createWebSocketSubscriptions } from './websocket-subscriptions.js';

/** Counts what the subscription transports do (the root wires it to the gateway's metrics). */
export interface SubscriptionObserver {
  /** A subscription opened (`+1`) or ended (`-1`) on a transport. */
  open(transport: StreamTransport, delta: 1 | -1): void;
  /** One event sent to a client. */
  event(transport: StreamTransport): void;
}

export type StreamTransport = 'websocket' | 'sse' | 'multipart';

/** What both transports run an operation through: the same hooks and engine as `/graphql`. */
export interface StreamPipeline {
  readonly config: SubscriptionsConfig;
  readonly logger: Logger;
  /** The `onRequest` hooks (authentication, request-count limits) over a context; the rejection, if any. */
  authenticate(context: RequestContext): Promise<AtriumError | undefined>;
  /** Parse, `onDocument` hooks, validation against the current engine's schema. */
  prepare(payload: StreamOperationPayload, context: RequestContext): Promise<{ request: OperationRequest; engine: Engine } | { errors: readonly Error[] }>;
  /**
   * Runs a prepared operation: a subscription through `engine.subscribe` (events observed, bounded in
   * size), anything else through `engine.execute`.
   */
  run(
    prepared: { request: OperationRequest; engine: Engine },
    transport: StreamTransport,
    onError?: (error: unknown) => ExecutionResult | undefined,
  ): Promise<ExecutionResult | AsyncGenerator<ExecutionResult, undefined, undefined>>;
}

export interface SubscriptionServerOptions {
  readonly httpServer: Server;
  readonly graphqlPath: string;
  readonly config: SubscriptionsConfig;
  /** Header names the auth plugin reads: `connection_init`'s `authorization` and `apiKey` are put there. */
  readonly credentialHeaders: { readonly token: string; readonly apiKey: string };
  /** Largest WebSocket message a client may send (the gateway passes `server.bodyLimit`). */
  readonly maxMessageBytes: number;
  readonly introspection: boolean;
  /** `security.introspectionScope`: callers without it get validation errors without suggestions. */
  readonly introspectionScope?: string | undefined;
  /** The engine new operations start on (undefined while the supergraph loads). */
  engine(): Engine | undefined;
  /** The `onRequest` hooks' verdict for a context (the same function `/graphql` uses). */
  authenticate(context: RequestContext): Promise<AtriumError | undefined>;
  /** The plugins' server hooks, for `onDocument`. */
  readonly plugins: readonly ServerHooks[];
  readonly logger: Logger;
  readonly observer?: SubscriptionObserver;
}

export interface SubscriptionServer {
  /** Serves one SSE request (`Accept: text/event-stream` on the GraphQL path); its context is authenticated. */
  serveEventStream(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  /** Serves one multipart subscription (`Accept: multipart/mixed;subscriptionSpec=1.0`); its context is authenticated. */
  serveMultipart(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  /**
   * Ends every subscription with a reconnectable close (WebSocket 1001; SSE streams end without
   * `complete`) and refuses new ones: the gateway is stopping and clients should reconnect elsewhere.
   */
  close(): Promise<void>;
}

/**
 * Subscriptions on the gateway's HTTP server: GraphQL over WebSocket (graphql-ws's server over `ws`,
 * upgrades on the GraphQL path) and GraphQL over SSE (graphql-sse, distinct connections). Both run the
 * same pipeline as `/graphql`: `onRequest` hooks for authentication, `onDocument` hooks, validation, then
 * the engine (operation hooks, planning, plan hooks, execution per event, response hooks).
 *
 * @example
 * const subscriptions = createSubscriptionServer({ httpServer: http.server, graphqlPath: '/graphql', config: config.subscriptions, ... });
 * await subscriptions.close();
 */
export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { config, logger, observer } = options;
  const pipeline: StreamPipeline = {
    config,
    logger,
    authenticate: options.authenticate,
    async prepare(payload, context) {
      const engine = options.engine();
      if (!engine) return { errors: [toGraphQLError(new AtriumError('SUPERGRAPH_NOT_READY', 'the gateway is still loading its supergraph'))] };
      const prepared = await prepareStreamOperation({ engine, payload, context, plugins: options.plugins, introspection: options.introspection, introspectionScope: options.introspectionScope });
      return 'errors' in prepared ? prepared : { request: prepared.request, engine };
    },
    async run({ request, engine }, transport, onError) {
      if (request.operation.operation !== 'subscription') return engine.execute(request);
      const result = await engine.subscribe(request);
      if (!isAsyncGenerator(result)) return result;
      observer?.open(transport, 1);
      return new ObservedStream(result, {
        map: (event) => {
          observer?.event(transport);
          return boundedEvent(event, config.maxEventBytes);
        },
        onEnd: () => observer?.open(transport, -1),
        ...(onError && { onError }),
      });
    },
  };
  const webSockets = createWebSocketSubscriptions({
    httpServer: options.httpServer,
    path: options.graphqlPath,
    credentialHeaders: options.credentialHeaders,
    maxMessageBytes: options.maxMessageBytes,
    pipeline,
  });
  const sse = createSseSubscriptions(pipeline);
  const multipart = createMultipartSubscriptions(pipeline);
  return {
    serveEventStream: sse.serve,
    serveMultipart: multipart.serve,
    async close() {
      await Promise.all([webSockets.close(), sse.close(), multipart.close()]);
    },
  };
}

/** The event, or an error in its place when it is larger than `subscriptions.maxEventBytes` serialized. */
function boundedEvent(event: ExecutionResult, maxBytes: number): ExecutionResult {
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes <= maxBytes) return event;
  const error = new AtriumError('SUBSCRIPTION_EVENT_TOO_LARGE', `an event of ${bytes} bytes exceeds subscriptions.maxEventBytes (${maxBytes}); it was dropped`, {
    extensions: { max: maxBytes, actual: bytes },
  });
  return { data: null, errors: [toGraphQLError(error)] };
}
