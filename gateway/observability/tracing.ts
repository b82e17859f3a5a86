import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** Options of {@link createTracing} (the `tracing` section of gateway.yaml). */
export interface TracingOptions {
  /** OTLP/HTTP traces endpoint, e.g. `http://localhost:4318/v1/traces`. */
  readonly endpoint: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Share of new traces sampled, 0..1; requests with a `traceparent` follow their caller's decision. */
  readonly sampleRatio: number;
  readonly serviceName: string;
  /** How long finished spans wait in the batch before export, in ms. */
  readonly exportDelayMs: number;
}

/** Starting spans and carrying their context in and out over W3C Trace Context headers. */
export interface Tracing {
  /** The request's span, continuing the client's `traceparent` when it sent a valid one. */
  startRequestSpan(headers: IncomingHttpHeaders, options: { name?: string; startTime?: number; attributes?: Attributes }): Span;
  /** A span under `parent`; under an unsampled parent, a non-recording stand-in with the parent's context. */
  startChildSpan(parent: Span, name: string, options?: { kind?: SpanKind; attributes?: Attributes }): Span;
  /** Writes `traceparent` (and `tracestate`) for `span` into outgoing request headers. */
  inject(span: Span, headers: Record<string, string>): void;
  /** The headers {@link Tracing.inject} writes for `span`, as an object to copy into several requests. */
  propagationHeaders(span: Span): Readonly<Record<string, string>>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * A tracer provider of its own (not the global one, so several gateways may share a process), sampling
 * parent-based (a caller's `traceparent` decides), `sampleRatio` of the new traces, exporting batches as
 * OTLP/HTTP JSON.
 *
 * A new trace is sampled or not before the SDK is asked: at a ratio of 1 %, 99 % of the requests need
 * only a trace context to pass on (flagged unsampled), not a span from the SDK, whose start (ids from
 * its generator, a sampler call, the span's bookkeeping) was about 1 % of the fully-featured benchmark
 * row's CPU. The SDK's root sampler is then always-on: it sees only the new traces already chosen.
 *
 * @example
 * const tracing = createTracing({ endpoint: 'http://localhost:4318/v1/traces', sampleRatio: 0.1, serviceName: 'atrium', exportDelayMs: 5000 });
 * const span = tracing.startRequestSpan(req.headers, { name: 'POST /graphql' });
 * span.end();
 * await tracing.shutdown();
 */
export function createTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({ url: options.endpoint, headers: { ...options.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs })],
  });
  const tracer = provider.getTracer('atrium');
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequestSpan(headers, { name, startTime, attributes }) {
      const parent = headers.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      if (trace.getSpanContext(parent) === undefined && !(Math.random() < options.sampleRatio)) return unsampledRoot();
      return tracer.startSpan(name ?? 'request', { kind: SpanKind.SERVER, startTime, ...(attributes && { attributes }) }, parent);
    },
    startChildSpan(parent, name, { kind = SpanKind.INTERNAL, attributes } = {}) {
      const context = parent.spanContext();
      // The parent-based sampler drops every child of an unsampled span: at a ratio of 1 %, that is 99 % of
      // the requests, each with a span per stage and per fetch. Their children stand in for the parent
      // (not recording, same context), so what propagates is the request's context, flagged unsampled.
      if ((context.traceFlags & TraceFlags.SAMPLED) === 0) return trace.wrapSpanContext(context);
      return tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
    },
    inject(span, headers) {
      writeTraceContext(span.spanContext(), headers);
    },
    propagationHeaders(span) {
      const headers: Record<string, string> = {};
      this.inject(span, headers);
      return headers;
    },
    shutdown() {
      return provider.shutdown();
    },
  };
}

const idBytes = Buffer.alloc(16);

/** A new trace that is not sampled: a non-recording span with random ids, which only carries its context. */
function unsampledRoot(): Span {
  return trace.wrapSpanContext({ traceId: randomHexId(16), spanId: randomHexId(8), traceFlags: TraceFlags.NONE });
}

/**
 * W3C Trace Context headers for `context` (what the W3C propagator's `inject` writes, without the context
 * objects it goes through: ~0.3 % of the fully-featured bench row's CPU, once per request). An invalid
 * context writes nothing.
 */
function writeTraceContext(context: SpanContext, headers: Record<string, string>): void {
  if (!isSpanContextValid(context)) return;
  headers.traceparent = `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`;
  if (context.traceState) headers.tracestate = context.traceState.serialize();
}

/** `bytes` random bytes as lower-case hex, never all zeros (W3C Trace Context calls that id invalid). */
function randomHexId(bytes: 8 | 16): string {
  for (let i = 0; i < bytes; i += 4) idBytes.writeUInt32BE(Math.floor(Math.random() * 0x1_0000_0000), i);
  if (idBytes.readUInt32BE(0) === 0 && idBytes.readUInt32BE(4) === 0) idBytes[bytes - 1] = 1;
  return idBytes.toString('hex', 0, bytes);
}
