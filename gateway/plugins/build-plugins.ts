import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { createObservabilityPlugin, type GatewayMetrics, gatewayMetricsFor } from '../observability/index.js';
import type { WorkerMetricsLink } from '../observability/supervised-metrics.js';
import { createQuotaStore } from '../quota/create-quota-store.js';
import { createFailedAuthGuard } from '../quota/failed-auth-guard.js';
import { quotaMetricsFor } from '../quota/quota-metrics.js';
import { forwardedClientHeaders } from '../traffic/header-rules.js';
import type { TrafficManager } from '../traffic/traffic-manager.js';
import { createAuthPlugin } from './auth/index.js';
import { createAuthorizationPlugin } from './authorization/index.js';
import { createCostPlugin } from './cost/index.js';
import type { AtriumPlugin } from './plugin.js';
import { createIntrospectionPlugin } from './introspection/index.js';
import { createLimitsPlugin } from './limits/index.js';
import { createPersistedDocumentsPlugin } from './persisted-documents/index.js';
import { createResponseCachePlugin } from './response-cache/index.js';
import { createRateLimitPlugin } from './rate-limit/index.js';
import { DEFAULT_FAILED_AUTH } from './rate-limit/config.js';

/** What plugin factories may use besides their own config section. */
export interface PluginDependencies {
  readonly logger: Logger;
  /** Directory gateway.yaml was loaded from; relative paths in the config (key files, modules) resolve here. */
  readonly configDir: string;
  /**
   * Traffic management state for metrics: `health()` (instances, breaker states), `counters()` (retries,
   * shadow comparisons) and `events` ('breaker', 'health', 'retry', 'shadow'); for the response cache, the
   * client headers the header rules forward. Absent when a test builds plugins alone.
   */
  readonly traffic?: Pick<TrafficManager, 'health' | 'counters' | 'events' | 'forwardedClientHeaders'>;
  /**
   * Where features record their metrics (quota decisions, breaker states, cache lookups, reloads, or their
   * own; see gateway/observability/metrics.ts). Does nothing when `metrics.enabled` is false. `startGateway`
   * passes the one it serves; without it, one is made from the config.
   */
  readonly metrics?: GatewayMetrics;
  /** Set in a worker of `atrium serve`: `/metrics` answers for every worker (supervised-metrics.ts). */
  readonly metricsLink?: WorkerMetricsLink;
}

/**
 * The plugins gateway.yaml turns on, in hook order. The order is part of the contract: observability
 * first (it times and logs everything after it), then authentication and authorization, then limits and
 * cost (they need the principal), then caching. A plugin whose section is absent or disabled is left out,
 * so an empty gateway.yaml runs only the always-on ones (auth, which strips
 * client-sent identity headers, and authorization, which enforces the supergraph's policy directives).
 *
 * @example
 * const plugins = await buildPlugins(loadConfig('gateway.yaml'), { logger, configDir: process.cwd() });
 */
export async function buildPlugins(config: GatewayConfig, dependencies: PluginDependencies): Promise<AtriumPlugin[]> {
  const plugins: AtriumPlugin[] = [];
  // ── plugins: observability ──
  const metrics = dependencies.metrics ?? gatewayMetricsFor(config);
  const observability = await createObservabilityPlugin({ config, logger: dependencies.logger, metrics, metricsLink: dependencies.metricsLink });
  if (observability) plugins.push(observability);

  // One bucket store for failed authentications, rate limits and cost budgets: with Redis, one connection
  // per process. Only made when something counts.
  const failedAuth = config.rateLimit?.failedAuth ?? DEFAULT_FAILED_AUTH;
  const checksCredentials = Object.keys(config.auth.jwt.issuers).length > 0 || Object.keys(config.auth.apiKeys.keys).length > 0;
  const guardsAuth = failedAuth.enabled && checksCredentials;
  const needsStore = guardsAuth || config.rateLimit !== undefined || config.cost?.budget !== undefined;
  const store = needsStore ? await createQuotaStore(config.quotaStore, dependencies.logger) : undefined;
  const shared = {
    clients: config.clients,
    onStoreError: config.quotaStore.onStoreError,
    logger: dependencies.logger,
    metrics: quotaMetricsFor(metrics),
  };

  // ── plugins: auth ──
  // Always on: even without credentials configured it strips client-sent identity headers.
  const guard =
    guardsAuth && store
      ? createFailedAuthGuard({ ...shared, store, max: failedAuth.max, windowMs: failedAuth.window, mode: config.rateLimit?.mode ?? 'enforce' })
      : undefined;
  plugins.push(await createAuthPlugin(config.auth, { ...dependencies, ...(guard && { failedAuth: guard }) }));
  // Always on: a schema's policy directives hold even when gateway.yaml says nothing about them.
  plugins.push(await createAuthorizationPlugin(config.authorization, { ...dependencies, realm: config.auth.realm }));

  // ── plugins: edge ──
  plugins.push(await createPersistedDocumentsPlugin(config.persistedDocuments, dependencies));
  plugins.push(createLimitsPlugin(config.limits, dependencies.logger, metrics));
  if (config.security.introspectionScope !== undefined) plugins.push(createIntrospectionPlugin(config.security.introspectionScope));
  if (config.responseCache.enabled) {
    // The live header rules (a SIGHUP may change them); a test that builds plugins alone has the config's.
    const fixed = dependencies.traffic ? undefined : forwardedClientHeaders(config.traffic);
    const forwarded = dependencies.traffic?.forwardedClientHeaders ?? (() => fixed!);
    plugins.push(await createResponseCachePlugin(config.responseCache, dependencies.logger, metrics, forwarded));
  }

  // ── plugins: cost ──
  if (config.rateLimit && store) plugins.push(createRateLimitPlugin({ ...shared, config: config.rateLimit, store }));
  if (config.cost) plugins.push(createCostPlugin({ ...shared, config: config.cost, ...(store && { store }) }));

  return plugins;
}

/** Closes every plugin that has something to close; one failing close does not stop the others. */
export async function closePlugins(plugins: readonly AtriumPlugin[], logger: Logger): Promise<void> {
  for (const plugin of plugins) {
    if (!plugin.close) continue;
    try {
      await plugin.close();
    } catch (error) {
      logger.warn({ err: error, plugin: plugin.name }, 'plugin: close failed');
    }
  }
}
