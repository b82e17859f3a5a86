import { describe, expect, it } from 'vitest';
import { createGatewayMetrics, NO_METRICS, OPERATION_LABEL } from '../../../gateway/observability/metrics.js';

describe('createGatewayMetrics', () => {
  it('records what features report through the metrics API', async () => {
    const metrics = createGatewayMetrics({ maxOperationNames: 10, processMetrics: false });
    metrics.recordQuotaDecision('allowed');
    metrics.recordQuotaDecision('rejected');
    metrics.recordQuotaDecision('rejected');
    metrics.setCircuitBreakerState('products', 'open');
    metrics.setCircuitBreakerState('reviews', 'half-open', 'reviews-b');
    metrics.recordCacheLookup('response', 'hit');
    metrics.recordCacheLookup('response', 'miss');
    metrics.recordSupergraphReload('failure');
    metrics.counter({ name: 'atrium_test_widgets_total', help: 'widgets', labelNames: ['kind'] }).inc({ kind: 'blue' }, 3);
    metrics.gauge({ name: 'atrium_test_level', help: 'level' }).set({}, 4);
    metrics.histogram({ name: 'atrium_test_seconds', help: 'seconds', buckets: [1, 2] }).observe({}, 1.5);
    metrics.observePlanCache(() => ({ hits: 5, misses: 2, size: 2, weight: 4096 }));
    const text = await metrics.registry!.metrics();
    for (const line of [
      'atrium_quota_decisions_total{decision="allowed"} 1',
      'atrium_quota_decisions_total{decision="rejected"} 2',
      'atrium_circuit_breaker_state{subgraph="products",instance_id="products"} 2',
      'atrium_circuit_breaker_state{subgraph="reviews",instance_id="reviews-b"} 1',
      'atrium_cache_lookups_total{cache="response",result="hit"} 1',
      'atrium_cache_lookups_total{cache="response",result="miss"} 1',
      'atrium_supergraph_reloads_total{outcome="failure"} 1',
      'atrium_test_widgets_total{kind="blue"} 3',
      'atrium_test_level 4',
      'atrium_test_seconds_bucket{le="2"} 1',
      'atrium_plan_cache_hits_total 5',
      'atrium_plan_cache_misses_total 2',
      'atrium_plan_cache_size 2',
      'atrium_plan_cache_bytes 4096',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('process_cpu');
  });

  it('bounds the operation label: anonymous, then names up to the maximum, then __other__', () => {
    const metrics = createGatewayMetrics({ maxOperationNames: 2, processMetrics: false });
    expect(metrics.operationLabel(undefined)).toBe(OPERATION_LABEL.anonymous);
    expect(metrics.operationLabel('A')).toBe('A');
    expect(metrics.operationLabel('B')).toBe('B');
    expect(metrics.operationLabel('C')).toBe(OPERATION_LABEL.other);
    expect(metrics.operationLabel('A')).toBe('A');
    const long = createGatewayMetrics({ maxOperationNames: 5, processMetrics: false });
    expect(long.operationLabel('L'.repeat(200))).toBe(OPERATION_LABEL.other);
  });

  it('keeps several gateways in one process apart (a registry each)', async () => {
    const one = createGatewayMetrics({ maxOperationNames: 2, processMetrics: false });
    const two = createGatewayMetrics({ maxOperationNames: 2, processMetrics: false });
    one.recordSupergraphReload('success');
    expect(await two.registry!.metrics()).not.toContain('atrium_supergraph_reloads_total{outcome="success"} 1');
  });
});

describe('NO_METRICS', () => {
  it('accepts every call and has no registry', () => {
    NO_METRICS.recordQuotaDecision('rejected');
    NO_METRICS.setCircuitBreakerState('products', 'open');
    NO_METRICS.recordCacheLookup('response', 'hit');
    NO_METRICS.recordSupergraphReload('success');
    NO_METRICS.counter({ name: 'x_total', help: 'x' }).inc();
    expect(NO_METRICS.registry).toBeUndefined();
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('queries only metrics the gateway exports', async () => {
    const { readFileSync } = await import('node:fs');
    const dashboard = readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:atrium|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_bucket$/, '')));
    const metrics = createGatewayMetrics({ maxOperationNames: 10 });
    const exported = await metrics.registry!.metrics();
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(exported, name).toContain(`# TYPE ${name} `);
  });
});

describe('recordTrafficMetrics', () => {
  it('turns breaker, health, retry and shadow events into metrics', async () => {
    const { EventEmitter } = await import('node:events');
    const { recordTrafficMetrics } = await import('../../../gateway/observability/traffic-metrics.js');
    const events = new EventEmitter();
    const metrics = createGatewayMetrics({ maxOperationNames: 10, processMetrics: false });
    recordTrafficMetrics(events, metrics);
    events.emit('breaker', { subgraph: 'products', instance: 'default/1', state: 'open' });
    events.emit('health', { subgraph: 'products', instance: 'default/0', healthy: false });
    events.emit('retry', { subgraph: 'products', attempt: 1, code: 'SUBGRAPH_UNAVAILABLE' });
    events.emit('shadow', { subgraph: 'reviews', outcome: 'differed' });
    const text = await metrics.registry!.metrics();
    expect(text).toContain('atrium_circuit_breaker_state{subgraph="products",instance_id="default/1"} 2');
    expect(text).toContain('atrium_subgraph_instance_healthy{subgraph="products",instance_id="default/0"} 0');
    expect(text).toContain('atrium_subgraph_retries_total{subgraph="products",code="SUBGRAPH_UNAVAILABLE"} 1');
    expect(text).toContain('atrium_shadow_requests_total{subgraph="reviews",outcome="differed"} 1');
  });

  it('subscribes to nothing when metrics are off', async () => {
    const { EventEmitter } = await import('node:events');
    const { recordTrafficMetrics } = await import('../../../gateway/observability/traffic-metrics.js');
    const events = new EventEmitter();
    recordTrafficMetrics(events, NO_METRICS);
    expect(events.eventNames()).toEqual([]);
  });
});
