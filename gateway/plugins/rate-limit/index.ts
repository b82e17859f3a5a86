import type { GatewayConfig } from '../../config/schema.js';
import type { AtriumError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RequestContext } from '../../request-context.js';
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
 * traffic per IP (`anonymous`) and per IP and path (`routes`) before the GraphQL document is parsed — every
 * operation of a batch counts, and so does a request refused for a malformed body — and
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

  /** Takes `operations` from the address's request allowances (all routes, then its path); the first refusal. */
  const countRequests = async (context: RequestContext, operations: number): Promise<AtriumError | undefined> => {
    const client = identify(context);
    if (config.anonymous) {
      const { rejection } = await gate.take(context, {
        key: `requests:${client.key}`,
        amount: operations,
        policy: perWindow(config.anonymous.max, config.anonymous.window),
        policyName: 'requests',
        deniedMessage: deniedMessage(operations, config.anonymous, 'from this address'),
      });
      if (rejection) return rejection;
    }
    const url = context.http.url;
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = Object.hasOwn(config.routes, path) ? config.routes[path] : undefined;
    if (route) {
      const { rejection } = await gate.take(context, {
        key: `route:${path}:${client.key}`,
        amount: operations,
        policy: perWindow(route.max, route.window),
        policyName: `requests ${path.replaceAll('"', '')}`,
        deniedMessage: deniedMessage(operations, route, `to ${path} from this address`),
      });
      if (rejection) return rejection;
    }
    return undefined;
  };

  return {
    name: 'rateLimit',

    async onRequest({ context, operations, reject }) {
      if (context.principal) return;
      const rejection = await countRequests(context, operations);
      if (rejection) reject(rejection);
    },

    // A malformed body costs its address one request, like a well-formed one: garbage is not free.
    async onRefusedRequest({ context, reject }) {
      const rejection = await countRequests(context, 1);
      if (rejection) reject(rejection);
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

/** What a refused client is told; a batch larger than the whole allowance can never pass, and is told so. */
function deniedMessage(operations: number, limit: { max: number; window: number }, where: string): string {
  const per = `per ${limit.window / 1000}s ${where}`;
  if (operations > limit.max) return `rate limited: a batch of ${operations} operations is more than the ${limit.max} allowed ${per}; send smaller batches`;
  return `rate limited: more than ${limit.max} ${operations > 1 ? 'operations' : 'requests'} ${per}`;
}
