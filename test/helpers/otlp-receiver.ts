import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with ids as hex and attributes flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  serviceName: unknown;
}

export interface OtlpReceiver {
  /** The traces endpoint to configure, `http://127.0.0.1:<port>/v1/traces`. */
  readonly url: string;
  /** Every span received so far, in arrival order. */
  readonly spans: ReceivedSpan[];
  /** Export requests that were not OTLP JSON (should stay 0). */
  readonly rejected: number;
  close(): Promise<void>;
}

/**
 * A small in-process OpenTelemetry collector: accepts `POST /v1/traces` with an OTLP/HTTP JSON body (what
 * @opentelemetry/exporter-trace-otlp-http sends) and keeps the spans, so tests can assert span trees.
 *
 * @example
 * const receiver = await startOtlpReceiver();
 * // gateway.yaml: tracing: { enabled: true, endpoint: receiver.url }
 * await expect.poll(() => receiver.spans.length).toBeGreaterThan(0);
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let rejected = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.includes('application/json')) {
          throw new Error('not an OTLP JSON trace export');
        }
        spans.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        rejected++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    get rejected() {
      return rejected;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

function spansOf(body: any): ReceivedSpan[] {
  const result: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = flatten(resourceSpans.resource?.attributes ?? []);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        result.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          attributes: flatten(span.attributes ?? []),
          status: span.status ?? {},
          serviceName: resource['service.name'],
        });
      }
    }
  }
  return result;
}

function flatten(attributes: OtlpAttribute[]): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const { key, value } of attributes) {
    const [kind, raw] = Object.entries(value)[0] ?? [];
    if (kind === 'arrayValue') flat[key] = ((raw as { values?: Record<string, unknown>[] }).values ?? []).map((v) => Object.values(v)[0]);
    else if (kind === 'intValue') flat[key] = Number(raw);
    else flat[key] = raw;
  }
  return flat;
}
