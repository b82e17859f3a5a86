import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { HttpRoute } from '../http/http-route.js';
import type { AtriumPlugin } from '../plugins/plugin.js';
import type { HttpResponseHookPayload } from '../server/hooks.js';
import type { RequestContext } from '../request-context.js';
import { type AccessLogOptions, accessLogFields } from './access-log.js';
import { accessLineWriter } from './access-line.js';
import { createGatewayMetrics, type GatewayMetrics, NO_METRICS, OPERATION_LABEL, type RequestOutcome } from './metrics.js';
import { type MetricsServer, metricsRoute, startMetricsServer } from './metrics-endpoint.js';
import { newRequestRecord, type RequestRecord, roundMs } from './request-record.js';
import type { WorkerMetricsLink } from './supervised-metrics.js';
import type { Tracing } from './tracing.js';
import { readsResponseOnly } from '../subgraph-client/shared-answers.js';

export { createGatewayMetrics, type GatewayMetrics, NO_METRICS } from './metrics.js';

/**
 * The gateway's metrics as gateway.yaml asks for them: Prometheus metrics when `metrics.enabled`, else
 * {@link NO_METRICS}. `startGateway` makes one and hands it to every plugin (`PluginDependencies.metrics`).
 *
 * @example
 * const metrics = gatewayMetricsFor(config);
 * metrics.recordSupergraphReload('success');
 */
export function gatewayMetricsFor(config: GatewayConfig): GatewayMetrics {
  return config.metrics.enabled ? createGatewayMetrics({ maxOperationNames: config.metrics.maxOperationNames }) : NO_METRICS;
}

/**
 * The observability plugin: access log, request and subgraph metrics, `/metrics`, and OpenTelemetry spans,
 * each as gateway.yaml turns it on. `undefined` when all are off (or the access log is the only one on and
 * `log.level` would drop its lines), so a gateway without observability pays nothing per request.
 * It must be the first plugin: it times everything after it.
 *
 * @example
 * const plugin = await createObservabilityPlugin({ config, logger, metrics: gatewayMetricsFor(config) });
 * if (plugin) plugins.push(plugin);
 */
export async function createObservabilityPlugin(options: {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Set in a worker of `atrium serve`: `/metrics` then answers for every worker. */
  metricsLink?: WorkerMetricsLink;
}): Promise<AtriumPlugin | undefined> {
  const { config, logger, metrics, metricsLink } = options;
  const accessLog = config.log.accessLog.enabled && logger.isLevelEnabled('info');
  const registry = metrics.registry;
  if (!accessLog && !registry && !config.tracing.enabled) return undefined;

  const accessLogOptions: AccessLogOptions = {
    headers: config.log.accessLog.headers,
    variables: config.log.accessLog.variables,
    redact: new Set(config.log.redact.map((name) => name.toLowerCase())),
  };
  // Access-log lines copy headers and variables already redacted (access-log.ts), and their other object
  // fields (subgraphs, cost, errorCodes) hold no headers: they are written without the logger's redactor
  // (its `*.headers` wildcard costs a pass over every object field of every line), straight to its
  // destination (access-line.ts).
  const writeAccessLine = accessLog ? accessLineWriter(logger) : undefined;
  const metricsPath = registry && config.metrics.port === undefined ? config.metrics.path : undefined;
  // The OpenTelemetry SDK and exporter are loaded only when tracing is on: they are most of the modules the
  // gateway would load for nothing otherwise (docs/performance.md, "Start-up").
  const tracing: Tracing | undefined = config.tracing.enabled
    ? (await import('./tracing.js')).createTracing({
        endpoint: config.tracing.endpoint,
        headers: config.tracing.headers,
        sampleRatio: config.tracing.sampleRatio,
        serviceName: config.tracing.serviceName,
        exportDelayMs: config.tracing.exportDelay,
      })
    : undefined;
  let metricsServer: MetricsServer | undefined;
  if (registry) metricsLink?.provide(registry);
  if (registry && config.metrics.port !== undefined) {
    const { host } = config.server;
    metricsServer = await startMetricsServer({ host, port: config.metrics.port, path: config.metrics.path, registry, logger, link: metricsLink });
  }

  const records = new WeakMap<RequestContext, RequestRecord>();
  const recordOf = (context: RequestContext): RequestRecord => {
    let record = records.get(context);
    if (record === undefined) {
      record = newRequestRecord();
      records.set(context, record);
    }
    return record;
  };
  const routes: HttpRoute[] = metricsPath ? [metricsRoute(metricsPath, registry!, metricsLink)] : [];

  return {
    name: 'observability',
    routes,
    ...(tracing && {
      onRequest({ context }) {
        // A WebSocket's connection_init and operations get no HTTP response, which ends a request span:
        // started, it would never end, and its operation's stage and fetch spans would have no parent.
        if (context.transport === 'websocket') return;
        const { method, url } = context.http;
        // The sampler decides on the trace id alone: name and attributes are made only for a span that
        // records (1 % of the requests at a ratio of 0.01).
        const span = tracing.startRequestSpan(context.http.headers, { startTime: context.receivedAt });
        if (span.isRecording()) {
          const path = pathOf(url);
          span.updateName(`${method} ${path}`);
          span.setAttributes({ 'http.request.method': method, 'url.path': path, 'atrium.request_id': context.requestId });
        }
        recordOf(context).span = span;
      },
      onStage({ context, stage }) {
        const parent = records.get(context)?.span;
        // An unsampled request's stage spans would record nothing: no span, no end hook.
        if (!parent?.isRecording()) return undefined;
        const span = tracing.startChildSpan(parent, stage);
        return (outcome) => {
          if (outcome?.attributes) span.setAttributes(outcome.attributes);
          if (outcome?.error) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessageOf(outcome.error) });
          span.end();
        };
      },
    }),
    onOperation({ context, operation, operationName, queryHash, variables }) {
      const record = recordOf(context);
      record.operationName = operationName;
      record.operationType = operation.operation;
      record.queryHash = queryHash;
      if (accessLogOptions.variables) record.variables = variables;
      if (record.span?.isRecording()) {
        record.span.updateName(operationName ? `${operation.operation} ${operationName}` : operation.operation);
        record.span.setAttributes({
          'graphql.operation.type': operation.operation,
          ...(operationName && { 'graphql.operation.name': operationName }),
          'atrium.operation.hash': queryHash,
        });
      }
    },
    // Its done-hook only reads the answer, which may be one shared parse (subgraph-client/shared-answers.ts).
    onSubgraphFetch: readsResponseOnly(({ request, context }) => {
      // An upstream subscription is no request-response fetch: its events are counted by the subscription
      // metrics, and a span or access-log entry per event would grow for as long as it runs.
      if (request.operationKind === 'subscription') return;
      const record = recordOf(context);
      const parent = record.span;
      const span =
        tracing && parent?.isRecording()
          ? tracing.startChildSpan(parent, `subgraph ${request.subgraph}`, {
              kind: SpanKind.CLIENT,
              attributes: { 'atrium.subgraph.name': request.subgraph, 'url.full': request.url, 'http.request.method': 'POST' },
            })
          : undefined;
      // An unsampled request still tells the subgraph its trace (flagged unsampled): the request's own
      // context, which is what a non-recording child span would carry, the same for each of its fetches.
      if (span) tracing!.inject(span, request.headers);
      else if (tracing && parent) Object.assign(request.headers, (record.propagation ??= tracing.propagationHeaders(parent)));
      return ({ response, error, durationMs }) => {
        const code = error ? error.code : response?.body.errors?.length ? 'GRAPHQL_ERRORS' : undefined;
        if (accessLog) {
          const call = { name: request.subgraph, durationMs: roundMs(durationMs) };
          (record.subgraphs ??= []).push(code === undefined ? call : { ...call, error: code });
        }
        metrics.recordSubgraphFetch(request.subgraph, durationMs / 1000, code);
        if (span) {
          if (response) span.setAttribute('http.response.status_code', response.status);
          if (code !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          span.end();
        }
      };
    }),
    ...(accessLog && {
      onResponse({ context, result }) {
        recordOf(context).result = result;
      },
    }),
    onHttpResponse(payload) {
      if (payload.path === metricsPath) return;
      const record = payload.context && records.get(payload.context);
      if (registry) {
        const operation = record?.operationType === undefined ? OPERATION_LABEL.none : metrics.operationLabel(record.operationName);
        metrics.recordRequest(operation, outcomeOf(payload), payload.durationMs / 1000);
      }
      if (writeAccessLine) writeAccessLine(accessLogFields(payload, record, accessLogOptions));
      if (record?.span) endRequestSpan(record, payload);
    },
    async close() {
      await metricsServer?.close();
      await tracing?.shutdown();
    },
  };
}

function endRequestSpan(record: RequestRecord, payload: HttpResponseHookPayload): void {
  const span = record.span!;
  span.setAttribute('http.response.status_code', payload.status);
  if (payload.errorCodes.length > 0) span.setAttribute('atrium.error_codes', [...payload.errorCodes]);
  const clientId = payload.context?.principal?.clientId;
  if (clientId !== undefined) span.setAttribute('atrium.client_id', clientId);
  if (payload.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: payload.errorCodes[0] });
  span.end();
}

function outcomeOf(payload: HttpResponseHookPayload): RequestOutcome {
  if (payload.status >= 500) return 'server_error';
  if (payload.status >= 400) return 'client_error';
  return payload.errorCodes.length > 0 ? 'graphql_error' : 'success';
}

function pathOf(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

function errorMessageOf(error: unknown): string {
  const code = (error as { code?: unknown; extensions?: { code?: unknown } }).code ?? (error as { extensions?: { code?: unknown } }).extensions?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
