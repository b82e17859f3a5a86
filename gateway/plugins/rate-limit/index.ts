import type { GatewayConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import { clientIdentifier } from '../../quota/client-identity.js';
import { createQuotaGate } from '../../quota/quota-gate.js';
import type { QuotaMetrics } from '../../quota/quota-metrics.js';
import type { BucketPolicy, TokenBucketStore } from '../../quota/token-bucket-store.js';
import type { AtriumPlugin } from '../plugin.js';
import { rateLimitedSelections, rateLimitIndexOf } from './rate-limit-directives.js';

/** What the rate-limit plugin needs besides its own config section. */
export interface RateLimitPluginOptions {
  readonly config: NonNullable<GatewayConfig['rateLimit']>;
  readonly clients: GatewayConfig['clients'];
  readonly store: TokenBucketStore;
  readonly onStoreError: 'allow' | 'deny';
  readonly logger: Logger;
  /** Quota decisions, store errors and costs; nothing is recorded without. */
  readonly metrics?: QuotaMetrics;
}

/**
 * Per-client call limits, with the same 429 contract as the cost budget: request counts for anonymous
 * traffic per IP (`anonymous`) and per IP and path (`routes`) before the body is parsed, and
 * `@rateLimit(max, window)` fields after validation (each selection of such a field takes one call from
 * the client's allowance for it). Allowances are token buckets of `max` calls refilling over `window`.
 *
 * @example
 * const plugin = createRateLimitPlugin({ config: config.rateLimit, clients: config.clients, store, onStoreError: 'allow', logger });
 */
export function createRateLimitPlugin(options: RateLimitPluginOptions): AtriumPlugin {
  const { config, logger } = options;
  const identify = clientIdentifier(options.clients);
  const gate = createQuotaGate({ store: options.store, onStoreError: options.onStoreError, mode: config.mode, logger, ...(options.metrics && { metrics: options.metrics }) });
  const perWindow = (max: number, windowMs: number): BucketPolicy => ({ capacity: max, refillPerSecond: (max * 1000) / windowMs });

  return {
    name: 'rateLimit',

    async onRequest({ context, reject }) {
      if (context.principal) return;
      const client = identify(context);
      if (config.anonymous) {
        const { rejection } = await gate.take(context, {
          key: `requests:${client.key}`,
          amount: 1,
          policy: perWindow(config.anonymous.max, config.anonymous.window),
          policyName: 'requests',
          deniedMessage: `rate limited: more than ${config.anonymous.max} requests per ${config.anonymous.window / 1000}s from this address`,
        });
        if (rejection) return reject(rejection);
      }
      const url = context.http.url;
      const queryAt = url.indexOf('?');
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      const route = Object.hasOwn(config.routes, path) ? config.routes[path] : undefined;
      if (route) {
        const { rejection } = await gate.take(context, {
          key: `route:${path}:${client.key}`,
          amount: 1,
          policy: perWindow(route.max, route.window),
          policyName: `requests ${path.replaceAll('"', '')}`,
          deniedMessage: `rate limited: more than ${route.max} requests to ${path} per ${route.window / 1000}s from this address`,
        });
        if (rejection) return reject(rejection);
      }
    },

    async onOperation({ context, supergraph, document, operation, variables, reject }) {
      const index = rateLimitIndexOf(supergraph, logger);
      if (index.limits.size === 0) return;
      const selected = rateLimitedSelections(index, operation, document, variables);
      if (selected.size === 0) return;
      const client = identify(context);
      for (const [coordinate, count] of selected) {
        const limit = index.limits.get(coordinate)!;
        const { rejection } = await gate.take(context, {
          key: `field:${coordinate}:${client.key}`,
          amount: count,
          policy: perWindow(limit.max, limit.windowMs),
          policyName: coordinate,
          deniedMessage: `rate limited: ${coordinate} may be called ${limit.max} times per ${limit.windowMs / 1000}s`,
          deniedExtensions: () => ({ field: coordinate }),
        });
        if (rejection) return reject(rejection);
      }
    },

    async close() {
      await options.store.close();
    },
  };
}
