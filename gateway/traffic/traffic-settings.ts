import type { GatewayConfig } from '../config/schema.js';
import type { BreakerSettings } from './circuit-breaker.js';

/**
 * Defaults of the nested traffic policies. Their schema fields have no zod default because a subgraph's
 * field overrides `traffic.all`'s field by field; the TSDoc `@default` of each field states the value here.
 */
export const TRAFFIC_DEFAULTS = {
  balance: 'round-robin',
  retry: { attempts: 0, backoff: 50, maxBackoff: 1_000, budget: 0.1, minPerSecond: 1 },
  breaker: { enabled: false, failures: 5, openFor: 10_000, halfOpenRequests: 1 },
  healthCheck: { interval: 0, timeout: 2_000, query: 'query HealthCheck { __typename }', unhealthyAfter: 2, healthyAfter: 1 },
  shadow: { share: 0, timeout: 5_000 },
} as const;

export type Balance = 'round-robin' | 'least-outstanding';

/** One version of a subgraph (`versions.<name>`; plain `url`/`urls` make one version named `default`). */
export interface VersionSettings {
  readonly name: string;
  readonly weight: number;
  readonly urls: readonly string[];
}

export interface RetrySettings {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly budget: number;
  readonly minPerSecond: number;
}

export interface HealthCheckSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly query: string;
  readonly unhealthyAfter: number;
  readonly healthyAfter: number;
}

export interface ShadowSettings {
  readonly url: string | undefined;
  readonly share: number;
  readonly timeoutMs: number;
}

/** The traffic policy of one subgraph: `traffic.subgraphs.<name>` over `traffic.all` over the defaults. */
export interface SubgraphTrafficSettings {
  readonly subgraph: string;
  /** Instances from gateway.yaml; `undefined` when the supergraph's routing URL is used. */
  readonly versions: readonly VersionSettings[] | undefined;
  readonly routeByHeader: { readonly header: string; readonly values: Readonly<Record<string, string>> } | undefined;
  readonly balance: Balance;
  readonly retry: RetrySettings;
  /** `undefined` when the breaker is off. */
  readonly breaker: BreakerSettings | undefined;
  readonly healthCheck: HealthCheckSettings;
  readonly shadow: ShadowSettings;
}

/**
 * Merges the traffic policy of one subgraph.
 *
 * @example
 * resolveTrafficSettings(config, 'products').retry.attempts; // 2
 */
export function resolveTrafficSettings(config: GatewayConfig, subgraph: string): SubgraphTrafficSettings {
  const { all } = config.traffic;
  const own = Object.hasOwn(config.traffic.subgraphs, subgraph) ? config.traffic.subgraphs[subgraph] : undefined;
  const retry = { ...TRAFFIC_DEFAULTS.retry, ...defined(all.retry), ...defined(own?.retry) };
  const breaker = { ...TRAFFIC_DEFAULTS.breaker, ...defined(all.breaker), ...defined(own?.breaker) };
  const health = { ...TRAFFIC_DEFAULTS.healthCheck, ...defined(all.healthCheck), ...defined(own?.healthCheck) };
  const shadow: { url?: string; share: number; timeout: number } = {
    ...TRAFFIC_DEFAULTS.shadow,
    ...defined(all.shadow),
    ...defined(own?.shadow),
  };
  return {
    subgraph,
    versions: versionsOf(own),
    routeByHeader: own?.routeByHeader,
    balance: own?.balance ?? all.balance ?? TRAFFIC_DEFAULTS.balance,
    retry: {
      attempts: retry.attempts,
      backoffMs: retry.backoff,
      maxBackoffMs: retry.maxBackoff,
      budget: retry.budget,
      minPerSecond: retry.minPerSecond,
    },
    breaker: breaker.enabled
      ? { failures: breaker.failures, openForMs: breaker.openFor, halfOpenRequests: breaker.halfOpenRequests }
      : undefined,
    healthCheck: {
      intervalMs: health.interval,
      timeoutMs: health.timeout,
      query: health.query,
      unhealthyAfter: health.unhealthyAfter,
      healthyAfter: health.healthyAfter,
    },
    shadow: { url: shadow.url, share: shadow.url === undefined ? 0 : shadow.share, timeoutMs: shadow.timeout },
  };
}

type SubgraphTraffic = GatewayConfig['traffic']['subgraphs'][string];

function versionsOf(own: SubgraphTraffic | undefined): VersionSettings[] | undefined {
  if (own?.versions !== undefined) {
    return Object.entries(own.versions).map(([name, version]) => ({ name, weight: version.weight ?? 1, urls: version.urls }));
  }
  if (own?.urls !== undefined) return [{ name: 'default', weight: 1, urls: own.urls }];
  if (own?.url !== undefined) return [{ name: 'default', weight: 1, urls: [own.url] }];
  return undefined;
}

/** The object without its `undefined` fields, so spreading it does not erase a default. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  const out: Partial<T> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
