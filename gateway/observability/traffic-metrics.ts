import type { EventEmitter } from 'node:events';
import type { GatewayMetrics } from './metrics.js';

/**
 * Turns the traffic manager's events into metrics: breaker states (`atrium_circuit_breaker_state`),
 * instance health from the active checks, retries and shadow-traffic outcomes. Nothing is subscribed when
 * metrics are off.
 *
 * @example
 * recordTrafficMetrics(traffic.events, metrics);
 */
export function recordTrafficMetrics(events: EventEmitter, metrics: GatewayMetrics): void {
  if (!metrics.registry) return;
  const healthy = metrics.gauge({
    name: 'atrium_subgraph_instance_healthy',
    help: 'Active health check verdict per subgraph instance: 1 healthy, 0 taken out.',
    labelNames: ['subgraph', 'instance_id'],
  });
  const retries = metrics.counter({
    name: 'atrium_subgraph_retries_total',
    help: 'Subgraph requests retried, by subgraph and the error code that caused the retry.',
    labelNames: ['subgraph', 'code'],
  });
  const shadow = metrics.counter({
    name: 'atrium_shadow_requests_total',
    help: 'Shadow traffic by subgraph and outcome (mirrored, matched, differed, failed, skipped).',
    labelNames: ['subgraph', 'outcome'],
  });
  events.on('breaker', ({ subgraph, instance, state }: { subgraph: string; instance: string; state: 'closed' | 'half-open' | 'open' }) =>
    metrics.setCircuitBreakerState(subgraph, state, instance),
  );
  events.on('health', ({ subgraph, instance, healthy: up }: { subgraph: string; instance: string; healthy: boolean }) =>
    healthy.set({ subgraph, instance_id: instance }, up ? 1 : 0),
  );
  events.on('retry', ({ subgraph, code }: { subgraph: string; code: string }) => retries.inc({ subgraph, code }));
  events.on('shadow', ({ subgraph, outcome }: { subgraph: string; outcome: string }) => shadow.inc({ subgraph, outcome }));
}
