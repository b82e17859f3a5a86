import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Engine, OperationRequest } from '../../engine/engine.js';
import { AtriumError, toGraphQLError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RequestContext } from '../../request-context.js';
import type { ServerHooks } from '../hooks.js';
import type { SubscriptionsConfig } from './config.js';
import { isAsyncGenerator, ObservedStream, type StreamOutcome } from './observed-stream.js';
import { type OpenSubscription, SubscriptionRegistry } from './subscription-registry.js';
import { NOTHING_TO_CANCEL, whenTokenExpires } from './token-expiry.js';
import { serializedEvent } from './serialized-event.js';
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

/** How a transport runs one operation (`StreamPipeline.run`). */
export interface StreamRunOptions {
  readonly transport: StreamTransport;
  /** Turns the error that ends a running subscription into a last event (SSE). */
  readonly onError?: (error: unknown) => ExecutionResult | undefined;
  /**
   * The transport's reconnectable end, used when `subscriptions.reloadGrace` passes after a reload
   * (WebSocket: close 1012; SSE: end without `complete`). Default: a last SUPERGRAPH_CHANGED error.
   */
  readonly restart?: () => void;
  /** The connection ends itself when the token expires (WebSocket: close 4403); the stream need not. */
  readonly connectionWatchesExpiry?: boolean;
  /** Sends each event of a subscription at once, instead of through the stream's `next()` (ObservedStream `deliverItself`). */
  readonly deliver?: (event: ExecutionResult) => void;
  /** How a stream that delivers its events itself tells the transport it ended: nobody waits in `next()` for it. */
  readonly ended?: (outcome: StreamOutcome) => void;
}

/** What every transport runs an operation through: the same hooks and engine as `/graphql`. */
export interface StreamPipeline {
  readonly config: SubscriptionsConfig;
  readonly logger: Logger;
  /** Per-client subscription and per-address connection counts, and the open subscriptions. */
  readonly registry: SubscriptionRegistry;
  /** The `onRequest` hooks (authentication, request-count limits) over a context; the rejection, if any. */
  authenticate(context: RequestContext): Promise<AtriumError | undefined>;
  /** Parse, `onDocument` hooks, validation against the current engine's schema. */
  prepare(payload: StreamOperationPayload, context: RequestContext): Promise<{ request: OperationRequest; engine: Engine } | { errors: readonly GraphQLError[] }>;
  /**
   * Runs a prepared operation: a subscription through `engine.subscribe` (counted per client, events
   * observed and bounded in size, ended when its token expires or a reload's grace passes), anything else
   * through `engine.execute`.
   */
  run(prepared: { request: OperationRequest; engine: Engine }, options: StreamRunOptions): Promise<ExecutionResult | AsyncGenerator<ExecutionResult, undefined, undefined>>;
}

export interface SubscriptionServerOptions {
  readonly httpServer: Server;
  readonly graphqlPath: string;
  readonly config: SubscriptionsConfig;
  /** Header names the auth plugin reads: `connection_init`'s `authorization` and `apiKey` are put there. */
  readonly credentialHeaders: { readonly token: string; readonly apiKey: string };
  /** Headers every HTTP answer carries (the gateway's security headers): on WebSocket upgrade answers too. */
  readonly responseHeaders?: readonly (readonly [string, string])[];
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
  /** Log one `subscription: closed` line per subscription as it ends (`log.accessLog.enabled`). */
  readonly accessLog?: boolean;
}

export interface SubscriptionServer {
  /** Serves one SSE request (`Accept: text/event-stream` on the GraphQL path); its context is authenticated. */
  serveEventStream(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  /** Serves one multipart subscription (`Accept: multipart/mixed;subscriptionSpec=1.0`); its context is authenticated. */
  serveMultipart(req: IncomingMessage, res: ServerResponse, context: RequestContext, body: unknown): Promise<void>;
  /** A reload swapped in `engine`: subscriptions on older engines end after `subscriptions.reloadGrace`. */
  engineSwapped(engine: Engine): void;
  /**
   * Ends every subscription with a reconnectable close (WebSocket 1001; SSE streams end without
   * `complete`) and refuses new ones: the gateway is stopping and clients should reconnect elsewhere.
   */
  close(): Promise<void>;
}

/**
 * Subscriptions on the gateway's HTTP server: GraphQL over WebSocket (graphql-transport-ws over `ws`,
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
  const registry = new SubscriptionRegistry(config);
  const pipeline: StreamPipeline = {
    config,
    logger,
    registry,
    authenticate: options.authenticate,
    async prepare(payload, context) {
      const engine = options.engine();
      if (!engine) return { errors: [toGraphQLError(new AtriumError('SUPERGRAPH_NOT_READY', 'the gateway is still loading its supergraph'))] };
      const prepared = await prepareStreamOperation({ engine, payload, context, plugins: options.plugins, introspection: options.introspection, introspectionScope: options.introspectionScope });
      return 'errors' in prepared ? prepared : { request: prepared.request, engine };
    },
    async run({ request, engine }, run) {
      if (request.operation.operation !== 'subscription') return withoutHttpStatus(await engine.execute(request));
      const { context } = request;
      const clientKey = registry.acquireSubscription(context.principal, context.http.remoteAddress);
      if (clientKey === undefined) {
        const error = new AtriumError('TOO_MANY_SUBSCRIPTIONS', `this client already has ${config.maxPerClient} subscriptions open (subscriptions.maxPerClient)`);
        return { errors: [toGraphQLError(error)] };
      }
      const result = await engine.subscribe(request).catch((error: unknown) => {
        registry.releaseSubscription(clientKey);
        throw error;
      });
      if (!isAsyncGenerator(result)) {
        registry.releaseSubscription(clientKey);
        return withoutHttpStatus(result);
      }
      return new RunningSubscription(served, engine, request, run, clientKey).start(result);
    },
  };
  const served: ServedSubscriptions = { config, logger, registry, observer, accessLog: options.accessLog === true };
  const webSockets = createWebSocketSubscriptions({
    httpServer: options.httpServer,
    path: options.graphqlPath,
    credentialHeaders: options.credentialHeaders,
    maxMessageBytes: options.maxMessageBytes,
    ...(options.responseHeaders && { responseHeaders: options.responseHeaders }),
    pipeline,
  });
  const sse = createSseSubscriptions(pipeline);
  const multipart = createMultipartSubscriptions(pipeline);
  return {
    serveEventStream: sse.serve,
    serveMultipart: multipart.serve,
    engineSwapped: (engine) => registry.engineSwapped(engine),
    async close() {
      registry.close();
      await Promise.all([webSockets.close(), sse.close(), multipart.close()]);
    },
  };
}

/**
 * The result without the `extensions.http` the engine puts on a refusal for Apollo Server to take its HTTP
 * status from: over WebSocket it is nothing the client can use, and SSE and multipart take the status from
 * the error's code (stream-refusal.ts).
 */
function withoutHttpStatus(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((error) => error.extensions.http !== undefined)) return result;
  const errors = result.errors.map((error) => {
    if (error.extensions.http === undefined) return error;
    const { http: _http, ...extensions } = error.extensions;
    return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions });
  });
  return { ...result, errors };
}

/** What every running subscription reports to. */
interface ServedSubscriptions {
  readonly config: SubscriptionsConfig;
  readonly logger: Logger;
  readonly registry: SubscriptionRegistry;
  readonly observer: SubscriptionObserver | undefined;
  readonly accessLog: boolean;
}

/**
 * One open subscription, from its start to its end: the hooks of its observed stream (events counted,
 * bounded in size and sent; the end counted, logged and its client slot given back) and the registry's
 * handle on it (its engine, its restart after a reload's grace), in one object with its methods on the
 * prototype rather than a closure each (thousands of subscriptions may stay open).
 */
class RunningSubscription implements OpenSubscription {
  private events = 0;
  private readonly startedAt = performance.now();
  private cancelExpiry: () => void = NOTHING_TO_CANCEL;
  private stream: ObservedStream | undefined = undefined;
  /** The transport's own send, when it takes events as they come (see `StreamRunOptions.deliver`). */
  readonly deliver: ((event: ExecutionResult) => void) | undefined;

  constructor(
    private readonly served: ServedSubscriptions,
    readonly engine: Engine,
    private readonly request: OperationRequest,
    private readonly run: StreamRunOptions,
    /** Its slot of `subscriptions.maxPerClient`. */
    private readonly clientKey: string,
  ) {
    this.deliver = run.deliver ? this.sendToTransport : undefined;
  }

  start(events: AsyncGenerator<ExecutionResult, undefined, undefined>): ObservedStream {
    const { config, observer, registry } = this.served;
    const stream = (this.stream = new ObservedStream(events, this));
    observer?.open(this.run.transport, 1);
    registry.track(this);
    if (config.closeOnTokenExpiry && !this.run.connectionWatchesExpiry) {
      this.cancelExpiry = whenTokenExpires(this.request.context.principal, (error) => stream.terminate(toGraphQLError(error)));
    }
    return stream;
  }

  /** Each event on its way out: counted, and bounded in size (throwing ends the subscription). */
  map(event: ExecutionResult): ExecutionResult {
    this.events++;
    this.served.observer?.event(this.run.transport);
    return boundedEvent(event, this.served.config.maxEventBytes);
  }

  private sendToTransport(event: ExecutionResult): void {
    this.run.deliver!(event);
  }

  onError(error: unknown): ExecutionResult | undefined {
    return this.run.onError?.(error);
  }

  onEnd(outcome: StreamOutcome): void {
    const { registry, observer, logger, accessLog } = this.served;
    registry.releaseSubscription(this.clientKey);
    registry.untrack(this);
    this.cancelExpiry();
    observer?.open(this.run.transport, -1);
    this.run.ended?.(outcome);
    if (accessLog) {
      const { request, run, events } = this;
      logger.info(closeLine({ request, transport: run.transport, events, durationMs: performance.now() - this.startedAt, outcome }), 'subscription: closed');
    }
  }

  /** The transport's reconnectable end, or a last SUPERGRAPH_CHANGED error. */
  restart(): void {
    if (this.run.restart) this.run.restart();
    else this.stream?.terminate(toGraphQLError(new AtriumError('SUPERGRAPH_CHANGED', 'the supergraph was reloaded; subscribe again')));
  }
}

/** The fields of the line logged when a subscription ends (`log.accessLog.enabled`). */
function closeLine(options: { request: OperationRequest; transport: StreamTransport; events: number; durationMs: number; outcome: StreamOutcome }): Record<string, unknown> {
  const { request, outcome } = options;
  const { context } = request;
  const error = outcome.error as { extensions?: { code?: unknown }; code?: unknown } | undefined;
  const code = error?.extensions?.code ?? error?.code;
  return {
    requestId: context.requestId,
    transport: options.transport,
    operationType: 'subscription',
    operationName: request.operation.name?.value ?? null,
    operationHash: request.queryHash,
    ...(context.principal?.clientId !== undefined && { clientId: context.principal.clientId }),
    events: options.events,
    durationMs: Math.round(options.durationMs * 10) / 10,
    end: outcome.returned ? 'client' : outcome.error === undefined ? 'complete' : 'error',
    ...(typeof code === 'string' && { errorCode: code }),
  };
}

/** The event; throws (ending the subscription) when it is larger than `subscriptions.maxEventBytes` serialized. */
function boundedEvent(event: ExecutionResult, maxBytes: number): ExecutionResult {
  const bytes = Buffer.byteLength(serializedEvent(event));
  if (bytes <= maxBytes) return event;
  const error = new AtriumError('SUBSCRIPTION_EVENT_TOO_LARGE', `an event of ${bytes} bytes exceeds subscriptions.maxEventBytes (${maxBytes}); the subscription ended`, {
    extensions: { max: maxBytes, actual: bytes },
  });
  throw toGraphQLError(error);
}
