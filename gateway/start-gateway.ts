import { resolve } from 'node:path';
import { type GatewayConfig, type SubgraphSettings, subgraphSettings } from './config/schema.js';
import { createCorsHandler } from './edge/cors.js';
import { loadTls } from './edge/load-tls.js';
import { securityHeaders } from './edge/security-headers.js';
import { AtriumError } from './errors.js';
import type { Logger } from './logger.js';
import { gatewayMetricsFor } from './observability/index.js';
import { recordTrafficMetrics } from './observability/traffic-metrics.js';
import type { WorkerMetricsLink } from './observability/supervised-metrics.js';
import { buildPlugins, closePlugins } from './plugins/build-plugins.js';
import { type BuiltInPluginName, checkBuiltInPluginNames, composePlugins } from './plugins/compose-plugins.js';
import type { AtriumPlugin } from './plugins/plugin.js';
import { runRefusedRequestHooks, runRequestHooks } from './server/run-request-hooks.js';
import { stageHooksOf } from './engine/stage-hooks.js';
import type { RequestContext } from './request-context.js';
import { createRestService } from './rest/rest-service.js';
import { RestRouteError } from './rest/rest-route-error.js';
import { createSubgraphClient } from './subgraph-client/subgraph-client.js';
import { SubgraphHealth } from './subgraph-client/subgraph-health.js';
import { createTrafficManager, type TrafficManager } from './traffic/traffic-manager.js';
import { createUndiciTransport } from './subgraph-client/undici-transport.js';
import type { SubgraphFetchHook } from './subgraph-client/contracts.js';
import type { SupergraphSource } from './supergraph/load-supergraph.js';
import { createSupergraphProvider } from './supergraph/supergraph-provider.js';
import { directorySupergraphCache } from './supergraph/supergraph-cache.js';
import { engineBuilder, subgraphUrlOverrides } from './build-engine.js';
import { createGraphQLHandler, type GraphQLHandler } from './server/graphql-handler.js';
import { createHttpServer } from './server/http-server.js';
import { browserPages, homeLinks } from './browser-pages.js';
import { createSupergraphLifecycle, type SupergraphLifecycle } from './supergraph/supergraph-lifecycle.js';
import { errorResponse, writeHttpResponse } from './http/write-response.js';
import { createWebSocketTransport, type UpstreamSubscriptionObserver } from './subgraph-client/websocket-transport.js';
import { createSubscriptionServer, type SubscriptionObserver, type SubscriptionServer } from './server/subscriptions/subscription-server.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { HttpGraphQLRequest, HttpResponse } from './http/graphql-exchange.js';

export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  /** A supergraph SDL file, or a supergraph.yaml to compose at startup. */
  readonly supergraph: SupergraphSource;
  readonly logger: Logger;
  /**
   * Your own plugins, run after the built-ins gateway.yaml turns on (`buildPlugins`: observability,
   * authentication, authorization, persisted documents, limits, ...) in the order given. They add to the
   * built-ins and never replace them; see `withoutBuiltInPlugins`.
   */
  readonly plugins?: readonly AtriumPlugin[];
  /**
   * Built-in plugins to leave out, by name (`'auth'`, `'authorization'`, `'limits'`, ...), or `'all'` to
   * run only `plugins`. The explicit opt-out: without it every configured protection stays on.
   */
  readonly withoutBuiltInPlugins?: readonly BuiltInPluginName[] | 'all';
  /** Directory relative paths in gateway.yaml resolve against (key files, policy modules). Default: cwd. */
  readonly configDir?: string;
  /**
   * Listen only once the supergraph is loaded. A `serve --workers` worker sets this: node:cluster hands
   * connections to every worker that listens, so a worker still loading would answer 503 while its
   * siblings serve. A lone process listens first, so `/health` can say 503 while it loads.
   */
  readonly listenWhenReady?: boolean;
  /**
   * Aborts a start that is still loading the supergraph (a SIGTERM while it waits for subgraphs that do not
   * answer introspection yet): startGateway closes what it opened and rejects with the abort reason.
   */
  readonly signal?: AbortSignal;
  /** The per-request roll of progressive `@override` (`EngineOptions.overrideRandom`); tests fix it. */
  readonly overrideRandom?: () => number;
  /**
   * Set by `atrium serve` in each worker (process or thread): `/metrics` then answers for all workers,
   * aggregated by the supervisor (`observability/supervised-metrics.ts`).
   */
  readonly metricsLink?: WorkerMetricsLink;
}

export interface RunningGateway {
  /** Base URL of the GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  /** The admin API's URL when gateway.yaml configures `admin` (it serves the detailed `GET /ready`). */
  readonly adminUrl?: string;
  /** Traffic management: instance health, breaker states and counters (`/ready` details, metrics). */
  readonly traffic: TrafficManager;
  /**
   * Applies a new gateway.yaml while serving (SIGHUP): the traffic settings (instances, weights, timeouts,
   * retries, breakers, health checks, shadow, header rules, dedupe, request timeout) take effect for the
   * next fetches; a changed or removed subgraph `url` swaps in an engine with the new routing URLs (at
   * once, asynchronously). Returns the top-level sections that changed but need a restart.
   */
  reloadConfig(next: GatewayConfig): string[];
  /** The served supergraph: its engine (plan cache), status (version, reload counters, last error), `reload()`, `onReload()`. */
  readonly supergraph: Pick<SupergraphLifecycle, 'engine' | 'status' | 'reload' | 'onReload'>;
  /** Stops accepting, drains in-flight requests up to `server.shutdownGrace`, closes subgraph pools. */
  close(): Promise<void>;
}

/**
 * Starts a gateway: listens at once (so `/health` answers 503 while loading), loads and builds the
 * supergraph, then serves. Rejects — after closing what it opened — when the supergraph cannot be loaded.
 *
 * @example
 * const gateway = await startGateway({ config: loadConfig('gateway.yaml'), supergraph: { kind: 'config', path: 'supergraph.yaml' }, logger });
 * console.log(gateway.url);
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  let { config } = options;
  const { logger } = options;
  checkBuiltInPluginNames(options.withoutBuiltInPlugins);
  const metrics = gatewayMetricsFor(config);
  const configDir = options.configDir ?? process.cwd();
  const tls = config.server.tls ? loadTls(config.server.tls, configDir) : undefined;
  // Settings are looked up on every fetch: merge `all` and `subgraphs.<name>` once per subgraph.
  let settingsByName = new Map<string, SubgraphSettings>();
  const settingsOf = (name: string): SubgraphSettings => {
    let settings = settingsByName.get(name);
    if (!settings) {
      settings = subgraphSettings(config, name);
      settingsByName.set(name, settings);
    }
    return settings;
  };
  const transport = createUndiciTransport({
    dedupe: (name) => settingsOf(name).dedupe,
    maxResponseBytes: (name) => settingsOf(name).maxResponseBytes,
  });
  const traffic = createTrafficManager({ config, transport, logger });
  recordTrafficMetrics(traffic.events, metrics);
  const plugins = composePlugins(
    options.withoutBuiltInPlugins === 'all' ? [] : await buildPlugins(config, { logger, configDir, traffic, metrics, ...(options.metricsLink && { metricsLink: options.metricsLink }) }),
    options.plugins ?? [],
    options.withoutBuiltInPlugins,
  );
  const health = new SubgraphHealth();
  const subscriptionTransport = createWebSocketTransport({
    subscriptionUrl: (name) => settingsOf(name).subscriptionUrl,
    dedupe: (name) => settingsOf(name).dedupeSubscriptions,
    reconnect: { attempts: config.subscriptions.upstreamReconnect.attempts, delayMs: config.subscriptions.upstreamReconnect.delay },
    observer: upstreamSubscriptionMetrics(metrics),
  });
  const client = createSubgraphClient({
    subscriptions: subscriptionTransport,
    transport,
    timeoutMs: (name) => settingsOf(name).timeoutMs,
    policy: traffic.policyOf,
    hooks: plugins.flatMap((p): SubgraphFetchHook[] => (p.onSubgraphFetch ? [p.onSubgraphFetch] : [])),
    logger,
    health,
  });
  const responseHooks = plugins.filter((p) => p.onHttpResponse);
  let handler: GraphQLHandler | undefined;
  let state: 'loading' | 'ready' | 'stopping' = 'loading';
  // Publishing (and the composition its checks run) is loaded only when gateway.yaml turns it on.
  const publishing =
    config.registry === undefined && config.admin === undefined
      ? undefined
      : await (await import('./publishing/start-publishing.js')).createPublishing({ config, configDir: options.configDir ?? process.cwd(), supergraph: options.supergraph, logger });
  const lifecycle = createSupergraphLifecycle({
    provider: createSupergraphProvider(options.supergraph, {
      watchFiles: config.reload.watch,
      pollIntervalMs: config.reload.pollInterval,
      overlay: publishing?.registry.overlay,
      onWatchError: (error, directory) => logger.warn({ err: error, directory }, 'reload: cannot watch a directory'),
    }),
    // The config of the moment: a SIGHUP may have changed the traffic section's URL overrides.
    buildEngine: ({ sdl }) => engineBuilder({ config, client, plugins, logger, metrics, overrideRandom: options.overrideRandom })(sdl),
    logger,
    debounceMs: config.reload.debounce,
    warmPlans: config.reload.warmPlans,
    ...(config.reload.cacheDir !== undefined && {
      cache: directorySupergraphCache(resolve(options.configDir ?? process.cwd(), config.reload.cacheDir)),
    }),
  });
  lifecycle.onReload((outcome) => metrics.recordSupergraphReload(outcome.kind === 'swapped' ? 'success' : 'failure'));

  /** The one pipeline: `/graphql` and every REST route run through it. */
  const runGraphQL = async (request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse> => {
    // A batch is as many operations as it holds (an empty one still costs one request).
    const operations = Array.isArray(request.body) ? Math.max(1, request.body.length) : 1;
    const rejected = await runRequestHooks(plugins, context, operations);
    if (rejected) return errorResponse(rejected);
    if (!handler) {
      return errorResponse(new AtriumError('SUPERGRAPH_NOT_READY', 'the gateway is still loading its supergraph'));
    }
    return handler.handle(request, context);
  };
  const onRefusedRequest = plugins.some((p) => p.onRefusedRequest)
    ? (context: RequestContext, refusal: AtriumError) => runRefusedRequestHooks(plugins, context, refusal)
    : undefined;
  const rest =
    config.rest.routes.length > 0
      ? createRestService({
          config,
          configDir: options.configDir ?? process.cwd(),
          logger,
          runGraphQL,
          ...(onRefusedRequest && { onRefusedRequest }),
          currentSupergraph: () => handler?.engine.supergraph,
        })
      : undefined;

  const { ide, openApiViewer } = await browserPages(config, logger);
  // The security headers: on every answer, the WebSocket upgrade's included.
  const responseHeaders = securityHeaders(config.security.headers, tls !== undefined);
  const http = createHttpServer({
    graphqlPath: config.server.graphqlPath,
    bodyLimitBytes: config.server.bodyLimit,
    maxHeaderSizeBytes: config.server.maxHeaderSize,
    headersTimeoutMs: config.server.headersTimeout,
    receiveTimeoutMs: config.server.receiveTimeout,
    ...(onRefusedRequest && { onRefusedRequest }),
    logger,
    routes: [
      ...plugins.flatMap((p) => p.routes ?? []),
      ...(ide ? [ide.route] : []),
      ...(openApiViewer ? [openApiViewer] : []),
      ...(rest ? [rest.route] : []),
    ],
    ...(ide && { graphqlPage: ide }),
    home: {
      links: homeLinks(config, openApiViewer !== undefined),
      ...(ide && { redirectBrowsersTo: config.server.graphqlPath }),
    },
    batching: config.limits.maxBatchSize > 0,
    cors: createCorsHandler(config.cors),
    responseHeaders,
    ...(tls && { tls }),
    handleGraphQL: runGraphQL,
    // GraphQL over SSE and multipart subscriptions: authenticated by the same onRequest hooks.
    async handleStream(kind, req, res, context, body) {
      const rejected = await runRequestHooks(plugins, context);
      if (rejected) return writeHttpResponse(res, errorResponse(rejected), context);
      return kind === 'sse' ? subscriptions.serveEventStream(req, res, context, body) : subscriptions.serveMultipart(req, res, context, body);
    },
    ...(responseHooks.length > 0 && {
      onResponse(payload) {
        for (const plugin of responseHooks) plugin.onHttpResponse!(payload);
      },
    }),
    isLive: () => state === 'ready',
    // The client port says pass/fail and up/down only: reload errors (file paths), counters and instance
    // URLs are for operators, on the admin listener's /ready and in the log.
    readiness: () => ({ ready: state === 'ready', details: { subgraphs: upOrDown(health.snapshot(lifecycle.status().subgraphs)) } }),
    requestTimeoutMs: traffic.requestTimeoutMs,
  });
  metrics.observePlanCache(() => handler?.engine.planCache);
  const subscriptions: SubscriptionServer = createSubscriptionServer({
    httpServer: http.server,
    graphqlPath: config.server.graphqlPath,
    config: config.subscriptions,
    credentialHeaders: { token: config.auth.jwt.header, apiKey: config.auth.apiKeys.header },
    maxMessageBytes: config.server.bodyLimit,
    responseHeaders,
    introspection: config.graphql.introspection,
    introspectionScope: config.security.introspectionScope,
    engine: () => handler?.engine,
    authenticate: (context) => runRequestHooks(plugins, context),
    plugins,
    logger,
    observer: subscriptionMetrics(metrics),
    accessLog: config.log.accessLog.enabled,
  });
  let adminUrl: string | undefined;
  let address = options.listenWhenReady ? undefined : await http.listen(config.server.port, config.server.host);

  try {
    const engine = await lifecycle.start(options.signal);
    const restProblems = rest?.useSupergraph(engine.supergraph) ?? [];
    if (restProblems.length > 0) throw new RestRouteError(restProblems);
    handler = await createGraphQLHandler({
      engine,
      config,
      logger,
      beginStage: stageHooksOf(plugins),
      collectErrorCodes: responseHooks.length > 0,
      plugins,
    });
    lifecycle.watch((next) => {
      handler?.swapEngine(next);
      subscriptions.engineSwapped(next);
      // A route the new schema breaks answers 503 until a later schema fixes it; the log says so at once.
      for (const problem of rest?.useSupergraph(next.supergraph) ?? []) {
        logger.warn({ problem }, 'rest: a route does not validate against the new supergraph');
      }
    });
    const admin = await publishing?.startAdmin(lifecycle, () => {
      const { subgraphs, ...schema } = lifecycle.status();
      return { ready: state === 'ready', details: { supergraph: state, subgraphs: health.snapshot(subgraphs), schema, ...trafficDetails(traffic) } };
    });
    adminUrl = admin?.url;
    state = 'ready';
    address ??= await http.listen(config.server.port, config.server.host);
    logger.info(
      { url: `${address.url}${config.server.graphqlPath}`, subgraphs: lifecycle.status().subgraphs, planner: engine.plannerName },
      'gateway: ready',
    );
  } catch (error) {
    lifecycle.close();
    await publishing?.close();
    await subscriptions.close();
    await http.close(0);
    traffic.close();
    await transport.close();
    await closePlugins(plugins, logger);
    throw error;
  }

  return {
    url: `${address.url}${config.server.graphqlPath}`,
    port: address.port,
    ...(adminUrl !== undefined && { adminUrl }),
    traffic,
    supergraph: lifecycle,
    reloadConfig(next) {
      const needRestart = (Object.keys(next) as (keyof GatewayConfig)[]).filter(
        (section) => section !== 'traffic' && JSON.stringify(next[section]) !== JSON.stringify(config[section]),
      );
      // Only the traffic section applies live; the rest keeps its startup values until a restart.
      const urlsBefore = JSON.stringify(subgraphUrlOverrides(config));
      config = Object.freeze({ ...config, traffic: next.traffic });
      settingsByName = new Map();
      traffic.reconfigure(config);
      // A subgraph's `url` is its routing URL in the engine's supergraph: a changed or removed one takes a
      // new engine on the served supergraph, swapped like a hot reload (logged, counted).
      if (JSON.stringify(subgraphUrlOverrides(config)) !== urlsBefore) void lifecycle.rebuild('gateway.yaml changed a subgraph url');
      // Files plugins loaded at startup (the trusted-documents manifest) are read again; a file that fails
      // keeps the plugin's current state.
      for (const plugin of plugins) {
        plugin.reload?.().catch((error: unknown) => logger.error({ err: error, plugin: plugin.name }, 'plugin: reload failed'));
      }
      return needRestart;
    },
    async close() {
      state = 'stopping';
      lifecycle.close();
      await publishing?.close();
      // Subscriptions first: their clients get a reconnectable close, then the HTTP requests drain.
      await subscriptions.close();
      await http.close(config.server.shutdownGrace);
      await handler?.stop();
      traffic.close();
      await transport.close();
      await closePlugins(plugins, logger);
    },
  };
}

/** Open subscriptions (a gauge per transport) and the events sent, in the gateway's metrics. */
function subscriptionMetrics(metrics: GatewayMetrics): SubscriptionObserver {
  const openGauge = metrics.gauge<'transport'>({
    name: 'atrium_subscriptions_open',
    help: 'Subscriptions open now, by client transport (websocket, sse, multipart).',
    labelNames: ['transport'],
  });
  const events = metrics.counter<'transport'>({
    name: 'atrium_subscription_events_total',
    help: 'Subscription events sent to clients, by client transport.',
    labelNames: ['transport'],
  });
  const open = { websocket: 0, sse: 0, multipart: 0 };
  // Events counted per turn and added once: one event reaches thousands of clients in one turn, and the
  // counter hashed its labels on every increment.
  const sent = { websocket: 0, sse: 0, multipart: 0 };
  let flushing = false;
  const flush = () => {
    flushing = false;
    for (const transport of ['websocket', 'sse', 'multipart'] as const) {
      if (sent[transport] === 0) continue;
      events.inc({ transport }, sent[transport]);
      sent[transport] = 0;
    }
  };
  return {
    open(transport, delta) {
      open[transport] += delta;
      openGauge.set({ transport }, open[transport]);
    },
    event(transport) {
      sent[transport]++;
      if (flushing) return;
      flushing = true;
      setImmediate(flush);
    },
  };
}

/** Upstream subscriptions open per subgraph (a gauge) and the events they delivered, in the gateway's metrics. */
function upstreamSubscriptionMetrics(metrics: GatewayMetrics): UpstreamSubscriptionObserver {
  const openGauge = metrics.gauge<'subgraph'>({
    name: 'atrium_subgraph_subscriptions_open',
    help: 'Subscriptions open now from the gateway to each subgraph (one per group of clients sharing it).',
    labelNames: ['subgraph'],
  });
  const events = metrics.counter<'subgraph'>({
    name: 'atrium_subgraph_subscription_events_total',
    help: 'Subscription events received from each subgraph (once per upstream subscription).',
    labelNames: ['subgraph'],
  });
  const open = new Map<string, number>();
  return {
    open(subgraph, delta) {
      const count = (open.get(subgraph) ?? 0) + delta;
      open.set(subgraph, count);
      openGauge.set({ subgraph }, count);
    },
    event: (subgraph) => events.inc({ subgraph }),
  };
}

/** The client port's `/ready`: each subgraph's status alone, without the time or the failure's code. */
function upOrDown(snapshot: ReturnType<SubgraphHealth['snapshot']>): Record<string, { status: 'up' | 'down' | 'unknown' }> {
  return Object.fromEntries(Object.entries(snapshot).map(([name, entry]) => [name, { status: entry.status }]));
}

/** The admin `/ready` shows the instances of subgraphs with several URLs or breakers: health and breaker state. */
function trafficDetails(traffic: TrafficManager): { instances?: ReturnType<TrafficManager['health']> } {
  const instances = traffic.health();
  return Object.keys(instances).length === 0 ? {} : { instances };
}

