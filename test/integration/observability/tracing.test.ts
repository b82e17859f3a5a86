import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../helpers/otlp-receiver.js';

// Spans exported over OTLP/HTTP JSON to a real in-process receiver, for a query that crosses three
// subgraphs; the W3C trace context of the client is continued and passed on to every subgraph.

const CROSS_QUERY = 'query TraceTree { topProducts(first: 2) { name inStock reviews { rating } } }';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

let subgraphs: DemoSubgraphs;
let receiver: OtlpReceiver;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await subgraphs?.close();
  await receiver?.close();
});

/** The subgraph requests (by subgraph) that carried this gateway request id. */
function subgraphRequestsOf(requestId: string) {
  return subgraphs.subgraphs.flatMap((s) =>
    s.requests.filter((r) => r.headers['x-request-id'] === requestId).map((r) => ({ subgraph: s.name, headers: r.headers })),
  );
}

/**
 * Waits (bounded) until the trace has its request span (named `root`, ended last, after the response) and
 * at least `spans` spans in all.
 */
async function traceOf(traceId: string, root: string, spans: number): Promise<ReceivedSpan[]> {
  const of = () => receiver.spans.filter((s) => s.traceId === traceId);
  await expect.poll(() => of().some((s) => s.name === root) && of().length >= spans, { timeout: 10_000 }).toBe(true);
  return of();
}

describe('tracing at sample ratio 1', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      subgraphs,
      config: { tracing: { enabled: true, endpoint: receiver.url, exportDelay: '50ms', serviceName: 'atrium-test' } },
    });
  });
  afterAll(async () => demo?.close());

  it('exports the span tree of a cross-subgraph query under the client trace, and propagates it', async () => {
    const traceId = hex(16);
    const clientSpanId = hex(8);
    const response = await demo.post(CROSS_QUERY, undefined, { traceparent: `00-${traceId}-${clientSpanId}-01`, tracestate: 'vendor=a1,other=b2' });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const requestId = response.headers.get('x-request-id')!;

    // request + parse, validate, authorize, plan, shape + one fetch each to products, inventory, reviews
    const spans = await traceOf(traceId, 'query TraceTree', 9);
    const root = spans.find((s) => s.parentSpanId === clientSpanId)!;
    expect(root).toMatchObject({
      name: 'query TraceTree',
      kind: 2,
      serviceName: 'atrium-test',
      attributes: {
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'TraceTree',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'atrium.request_id': requestId,
      },
    });
    expect(spans.filter((s) => s.parentSpanId === clientSpanId)).toHaveLength(1);

    const children = spans.filter((s) => s.parentSpanId === root.spanId);
    expect(children).toHaveLength(spans.length - 1);
    expect(children.map((s) => s.name).toSorted()).toEqual([
      'authorize',
      'parse',
      'plan',
      'shape',
      'subgraph inventory',
      'subgraph products',
      'subgraph reviews',
      'validate',
    ]);
    expect(children.find((s) => s.name === 'plan')!.attributes.cacheHit).toBe(false);

    const fetches = children.filter((s) => s.name.startsWith('subgraph '));
    const calls = subgraphRequestsOf(requestId);
    expect(calls.map((c) => c.subgraph).toSorted()).toEqual(['inventory', 'products', 'reviews']);
    for (const span of fetches) {
      const name = span.attributes['atrium.subgraph.name'] as string;
      expect(span.kind).toBe(3);
      expect(span.attributes['url.full']).toBe(subgraphs.urls[name]);
      expect(span.attributes['http.response.status_code']).toBe(200);
      // The subgraph saw this fetch span as its parent, in the client's trace.
      expect(calls.find((c) => c.subgraph === name)!.headers.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
      // And the caller's trace state, as it came.
      expect(calls.find((c) => c.subgraph === name)!.headers.tracestate).toBe('vendor=a1,other=b2');
    }
    expect(receiver.rejected).toBe(0);
  });

  it('starts a new trace when the client sends none, and ignores a malformed traceparent', async () => {
    const response = await demo.post('query Fresh { topProducts(first: 1) { name } }', undefined, { traceparent: 'not-a-trace' });
    const requestId = response.headers.get('x-request-id')!;
    const [call] = subgraphRequestsOf(requestId);
    const [, traceId] = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(call!.headers.traceparent!)!;
    const spans = await traceOf(traceId!, 'query Fresh', 2);
    const root = spans.find((s) => s.name === 'query Fresh')!;
    expect(root.parentSpanId).toBeUndefined();
  });

  it('exports no span without its parent for operations over WebSocket (no HTTP response ends a request span there)', async () => {
    const traceId = hex(16);
    const clientSpanId = hex(8);
    class Traced extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { traceparent: `00-${traceId}-${clientSpanId}-01` } });
      }
    }
    const client = createClient({ url: demo.url.replace(/^http/, 'ws'), webSocketImpl: Traced, retryAttempts: 0, lazy: true });
    try {
      const result = await new Promise<any>((resolve, reject) => {
        client.subscribe({ query: 'query OverSocket { topProducts(first: 2) { name inStock } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(result.data.topProducts).toHaveLength(2);
    } finally {
      await client.dispose();
    }
    // An HTTP request after it: once its trace is exported, the WebSocket's spans (if any) were too.
    const barrier = hex(16);
    await demo.post('query Barrier { topProducts(first: 1) { name } }', undefined, { traceparent: `00-${barrier}-${hex(8)}-01` });
    await traceOf(barrier, 'query Barrier', 2);
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const ids = new Set([clientSpanId, ...spans.map((s) => s.spanId)]);
    expect(spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))).toEqual([]);
  });
});

describe('tracing at sample ratio 0 (parent-based)', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      subgraphs,
      config: { tracing: { enabled: true, endpoint: receiver.url, exportDelay: '50ms', sampleRatio: 0 } },
    });
  });
  afterAll(async () => demo?.close());

  it('records no new trace, still propagates an unsampled context, and follows a sampled caller', async () => {
    const unsampled = await demo.post('query Unsampled { topProducts(first: 1) { name } }');
    const [call] = subgraphRequestsOf(unsampled.headers.get('x-request-id')!);
    const [, unsampledTrace] = /^00-([0-9a-f]{32})-[0-9a-f]{16}-00$/.exec(call!.headers.traceparent!)!;

    const sampledTrace = hex(16);
    await demo.post('query Sampled { topProducts(first: 1) { name } }', undefined, { traceparent: `00-${sampledTrace}-${hex(8)}-01` });
    const spans = await traceOf(sampledTrace, 'query Sampled', 2);
    expect(spans.some((s) => s.name === 'query Sampled')).toBe(true);
    // Exports go out in order: the sampled trace arrived, so an unsampled span would have too.
    expect(receiver.spans.filter((s) => s.traceId === unsampledTrace)).toEqual([]);
  });
});

describe('tracing at sample ratio 0.5', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      subgraphs,
      config: { tracing: { enabled: true, endpoint: receiver.url, exportDelay: '50ms', sampleRatio: 0.5 } },
    });
  });
  afterAll(async () => demo?.close());

  it('samples some new traces and not others, exports only the sampled, and follows an unsampled caller', async () => {
    const flags = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const response = await demo.post('query Half { topProducts(first: 1) { name } }');
      const [call] = subgraphRequestsOf(response.headers.get('x-request-id')!);
      const [, traceId, flag] = /^00-([0-9a-f]{32})-[0-9a-f]{16}-(0[01])$/.exec(call!.headers.traceparent!)!;
      flags.set(traceId!, flag!);
    }
    expect(flags.size).toBe(60);
    const sampled = [...flags].filter(([, flag]) => flag === '01').map(([traceId]) => traceId);
    const unsampled = [...flags].filter(([, flag]) => flag === '00').map(([traceId]) => traceId);
    // At 0.5, all 60 on one side has a chance of 2 in 10^18.
    expect(sampled.length).toBeGreaterThan(0);
    expect(unsampled.length).toBeGreaterThan(0);
    for (const traceId of sampled) await traceOf(traceId, 'query Half', 2);

    const callerTrace = hex(16);
    const followed = await demo.post('query Half { topProducts(first: 1) { name } }', undefined, { traceparent: `00-${callerTrace}-${hex(8)}-00`, tracestate: 'vendor=c3' });
    const [call] = subgraphRequestsOf(followed.headers.get('x-request-id')!);
    expect(call!.headers.traceparent).toMatch(new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-00$`));
    expect(call!.headers.tracestate).toBe('vendor=c3');
    const lastTrace = hex(16);
    await demo.post('query Half { topProducts(first: 1) { name } }', undefined, { traceparent: `00-${lastTrace}-${hex(8)}-01` });
    await traceOf(lastTrace, 'query Half', 2);
    // Exports go out in order: the last (sampled) trace arrived, so an unsampled span would have too.
    const exported = new Set(receiver.spans.map((s) => s.traceId));
    expect([...unsampled, callerTrace].filter((traceId) => exported.has(traceId))).toEqual([]);
  });
});

describe('request ids without any observability configured', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ subgraphs });
  });
  afterAll(async () => demo?.close());

  it('forwards the client request id to every subgraph of the operation', async () => {
    const response = await demo.post(CROSS_QUERY, undefined, { 'x-request-id': 'client-chosen-id-42' });
    expect(response.headers.get('x-request-id')).toBe('client-chosen-id-42');
    const calls = subgraphRequestsOf('client-chosen-id-42');
    expect(calls.map((c) => c.subgraph).toSorted()).toEqual(['inventory', 'products', 'reviews']);
  });

  it('forwards a generated id when the client sent an invalid one', async () => {
    const response = await demo.post('{ topProducts(first: 1) { name } }', undefined, { 'x-request-id': 'x'.repeat(200) });
    const generated = response.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(subgraphRequestsOf(generated).map((c) => c.subgraph)).toEqual(['products']);
  });
});
