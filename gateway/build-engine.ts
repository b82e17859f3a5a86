import { type GatewayConfig, subgraphSettings } from './config/schema.js';
import { createEngine, type Engine } from './engine/engine.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { plannerFallbackCounter } from './observability/planner-fallback-metric.js';
import type { AtriumPlugin } from './plugins/plugin.js';
import type { SubgraphClient } from './subgraph-client/contracts.js';
import { buildSupergraph } from './supergraph/build-supergraph.js';
import { subgraphErrorMapper, subgraphErrorPolicy } from './engine/subgraph-errors.js';

/**
 * The gateway's recipe for an engine over one supergraph SDL: routing URLs overridden by
 * `traffic.subgraphs.<name>.url`, the configured plan cache and executor, the gateway's plugins and client.
 * Called at startup and on every hot reload. Warns about `traffic.subgraphs` names the supergraph lacks.
 *
 * @example
 * const buildEngine = engineBuilder({ config, client, plugins, logger });
 * const engine = buildEngine(readFileSync('supergraph.graphql', 'utf8'));
 */
export function engineBuilder(options: {
  config: GatewayConfig;
  client: SubgraphClient;
  plugins: readonly AtriumPlugin[];
  logger: Logger;
  /** Where the engines count planner fallbacks. */
  metrics?: GatewayMetrics;
  /** The per-request roll of progressive `@override` (default Math.random). */
  overrideRandom?: () => number;
}): (sdl: string) => Engine {
  const { config, client, plugins, logger, metrics, overrideRandom } = options;
  const urlOverrides = subgraphUrlOverrides(config);
  const subgraphError = subgraphErrorMapper((name) => subgraphErrorPolicy(config.subgraphErrors, name));
  return (sdl) => {
    const supergraph = buildSupergraph(sdl, { urlOverrides });
    for (const name of Object.keys(config.traffic.subgraphs)) {
      if (!supergraph.subgraphs.has(name)) {
        logger.warn({ subgraph: name }, 'config: traffic.subgraphs names a subgraph the supergraph does not have');
      }
    }
    return createEngine({
      supergraph,
      client,
      hooks: plugins,
      planCacheSize: config.engine.planCacheSize,
      planCacheMaxBytes: config.engine.planCacheMaxBytes,
      executor: config.engine.executor,
      planner: config.engine.planner,
      fallbackMaxSelections: config.engine.fallbackMaxSelections,
      subgraphError,
      shareSubscriptionEvents: (name) => subgraphSettings(config, name).dedupeSubscriptions,
      ...(config.engine.dedupe.enabled && { dedupe: { headers: config.engine.dedupe.headers } }),
      logger,
      ...(metrics && { countPlannerFallback: plannerFallbackCounter(metrics) }),
      ...(overrideRandom && { overrideRandom }),
    });
  };
}

/** The routing URLs gateway.yaml sets (`traffic.subgraphs.<name>.url`), by subgraph name. */
export function subgraphUrlOverrides(config: GatewayConfig): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const name of Object.keys(config.traffic.subgraphs)) {
    const url = subgraphSettings(config, name).url;
    if (url) overrides[name] = url;
  }
  return overrides;
}
