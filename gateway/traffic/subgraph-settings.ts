import type { GatewayConfig } from '../config/schema.js';

/** The traffic settings of one subgraph after merging `traffic.subgraphs.<name>` over `traffic.all`. */
export interface SubgraphSettings {
  readonly timeoutMs: number;
  /** Share identical in-flight query requests. */
  readonly dedupe: boolean;
  /** Largest response body accepted, in bytes (`traffic.*.maxResponseSize`). */
  readonly maxResponseBytes: number;
  /** Share one upstream subscription among identical client subscriptions. */
  readonly dedupeSubscriptions: boolean;
  /** Set only when gateway.yaml overrides the supergraph's routing URL. */
  readonly url?: string;
  /** Set only when gateway.yaml gives the subgraph's WebSocket URL for subscriptions. */
  readonly subscriptionUrl?: string;
}

/**
 * The traffic settings for one subgraph: `traffic.subgraphs.<name>` over `traffic.all`.
 *
 * @example
 * subgraphSettings(config, 'products'); // { timeoutMs: 5000, dedupe: true, maxResponseBytes: 16777216, url: 'http://products.internal/graphql' }
 */
export function subgraphSettings(config: GatewayConfig, name: string): SubgraphSettings {
  const own = Object.hasOwn(config.traffic.subgraphs, name) ? config.traffic.subgraphs[name] : undefined;
  const timeoutMs = own?.timeout ?? config.traffic.all.timeout;
  const dedupe = own?.dedupe ?? config.traffic.all.dedupe;
  const maxResponseBytes = own?.maxResponseSize ?? config.traffic.all.maxResponseSize;
  return {
    timeoutMs,
    dedupe,
    maxResponseBytes,
    dedupeSubscriptions: own?.dedupeSubscriptions ?? config.traffic.all.dedupeSubscriptions,
    ...(own?.url !== undefined && { url: own.url }),
    ...(own?.subscriptionUrl !== undefined && { subscriptionUrl: own.subscriptionUrl }),
  };
}
