import type { GatewayConfig } from '../../config/schema.js';
import type { ClientIdentity } from '../../quota/client-identity.js';
import type { BucketPolicy } from '../../quota/token-bucket-store.js';

type Budget = NonNullable<NonNullable<GatewayConfig['cost']>['budget']>;

/**
 * The cost bucket of a client: its own entry in `clients`, else its tier's, else `anonymous` for a
 * client known only by IP, else `default`.
 *
 * @example
 * budgetPolicy(config.cost.budget, { key: 'client:app-1', id: 'app-1', anonymous: false, tier: 'gold' }); // { capacity: 5000, refillPerSecond: 250 }
 */
export function budgetPolicy(budget: Budget, client: ClientIdentity): BucketPolicy {
  const own = Object.hasOwn(budget.clients, client.id) ? budget.clients[client.id] : undefined;
  const tier = client.tier !== undefined && Object.hasOwn(budget.tiers, client.tier) ? budget.tiers[client.tier] : undefined;
  const bucket = own ?? tier ?? (client.anonymous ? (budget.anonymous ?? budget.default) : budget.default);
  return { capacity: bucket.capacity, refillPerSecond: bucket.restoreRate };
}
