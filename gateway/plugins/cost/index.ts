import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { GatewayConfig } from '../../config/schema.js';
import { AtriumError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { clientIdentifier } from '../../quota/client-identity.js';
import { createQuotaGate } from '../../quota/quota-gate.js';
import type { QuotaMetrics } from '../../quota/quota-metrics.js';
import type { BucketPolicy, BucketResult, TokenBucketStore } from '../../quota/token-bucket-store.js';
import type { RequestContext } from '../../request-context.js';
import type { AtriumPlugin } from '../plugin.js';
import { actualCost } from './actual-cost.js';
import { budgetPolicy } from './budget-policy.js';
import { type CostSchema, costSchemaOf } from './cost-schema.js';
import { estimatePlanCost } from './plan-cost.js';

/** What the cost plugin needs besides its own config section. */
export interface CostPluginOptions {
  readonly config: NonNullable<GatewayConfig['cost']>;
  readonly clients: GatewayConfig['clients'];
  /** The bucket store; required when `config.budget` is set. */
  readonly store?: TokenBucketStore;
  readonly onStoreError: 'allow' | 'deny';
  readonly logger: Logger;
  /** Quota decisions, store errors and costs; nothing is recorded without. */
  readonly metrics?: QuotaMetrics;
}

interface RequestCost {
  readonly estimate: number;
  readonly costSchema: CostSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The bucket after the take; set when a budget applied and the store answered. */
  bucket?: { key: string; policy: BucketPolicy; result: BucketResult; taken: number };
}

/**
 * Cost analysis and cost-based quotas (docs/cost-and-quotas.md): after planning, the
 * plan's estimated cost is checked against `maxPerOperation` and taken from the client's token bucket;
 * after execution the actual cost of the response is computed, the unused points are given back, and
 * `extensions.cost` reports both with the bucket's state. Estimates that do not depend on variables are
 * cached per plan.
 *
 * @example
 * const plugin = createCostPlugin({ config: config.cost, clients: config.clients, store, onStoreError: 'allow', logger });
 */
export function createCostPlugin(options: CostPluginOptions): AtriumPlugin {
  const { config, logger } = options;
  const budget = config.budget;
  if (budget && !options.store) throw new Error('createCostPlugin: cost.budget needs a store');
  const identify = clientIdentifier(options.clients);
  const gate = budget && options.store ? createQuotaGate({ store: options.store, onStoreError: options.onStoreError, mode: config.mode, logger, ...(options.metrics && { metrics: options.metrics }) }) : undefined;
  const enforce = config.mode === 'enforce';
  const estimates = new WeakMap<QueryPlan, number>();
  const requests = new WeakMap<RequestContext, RequestCost>();

  const estimateOf = (plan: QueryPlan, operation: OperationDefinitionNode, costSchema: CostSchema, variables: Readonly<Record<string, unknown>>) => {
    const cached = estimates.get(plan);
    if (cached !== undefined) return cached;
    const estimate = estimatePlanCost(plan, operation.operation, { costSchema, variables, defaultListSize: config.defaultListSize });
    if (!estimate.usesVariables) estimates.set(plan, estimate.cost);
    return estimate.cost;
  };

  return {
    name: 'cost',

    async onPlan({ context, supergraph, plan, document, operation, variables, reject }) {
      const costSchema = costSchemaOf(supergraph);
      let estimate: number;
      try {
        estimate = estimateOf(plan, operation, costSchema, variables);
      } catch (error) {
        if (enforce || !(error instanceof AtriumError)) throw error;
        logger.info({ requestId: context.requestId, err: error }, 'cost: operation cannot be costed (measure mode)');
        return;
      }
      const request: RequestCost = { estimate, costSchema, document, operation, variables };
      requests.set(context, request);
      const max = config.maxPerOperation;
      if (max > 0 && estimate > max) {
        if (enforce) {
          reject(tooExpensive(estimate, max, `the operation's estimated cost ${estimate} exceeds the maximum of ${max}`));
          return;
        }
        logger.info({ requestId: context.requestId, estimate, max }, 'cost: over the maximum (measure mode)');
      }
      if (!gate || !budget) return;
      const client = identify(context);
      const policy = budgetPolicy(budget, client);
      const key = `cost:${client.key}`;
      if (estimate > policy.capacity && enforce) {
        // It would never fit: waiting does not help, so this is not a 429.
        await gate.take(context, { key, amount: 0, policy, policyName: 'cost', deniedMessage: '' });
        reject(tooExpensive(estimate, policy.capacity, `the operation's estimated cost ${estimate} exceeds your whole budget of ${policy.capacity}`));
        return;
      }
      const { result, rejection } = await gate.take(context, {
        key,
        amount: estimate,
        policy,
        policyName: 'cost',
        deniedMessage: `rate limited: the operation costs ${estimate} points and your budget holds fewer; retry later`,
        deniedExtensions: (denied) => ({ cost: { requestedQueryCost: estimate, throttleStatus: throttleStatus(policy, denied) } }),
      });
      if (rejection) {
        reject(rejection);
        return;
      }
      if (result) request.bucket = { key, policy, result, taken: result.allowed ? estimate : 0 };
    },

    async onResponse({ context, result, hasNext, setExtension }) {
      // An answer in parts (@defer) is settled once, on its last payload, over the whole response.
      if (hasNext) return;
      const request = requests.get(context);
      if (!request) return;
      const { estimate, bucket } = request;
      const actual = actualCost(result.data, request.operation, request.document, { costSchema: request.costSchema, variables: request.variables });
      let status: ReturnType<typeof throttleStatus> | undefined;
      // A subscription pays its estimate once, when it starts; its events (each priced as `actual`) give
      // nothing back, or a long subscription would refund its estimate many times over.
      const subscription = request.operation.operation === 'subscription';
      if (subscription && bucket) status = throttleStatus(bucket.policy, bucket.result);
      else if (bucket && gate) {
        // What the answer did not use goes back; what it used beyond the estimate (a list longer than its
        // @listSize assumedSize or cost.defaultListSize) is taken now, into debt if the budget is empty.
        const settle = { key: bucket.key, policy: bucket.policy, policyName: 'cost' };
        const unused = Math.min(bucket.taken, estimate - actual);
        const over = bucket.taken > 0 ? actual - estimate : 0;
        const after =
          unused > 0 ? await gate.giveBack(context, { ...settle, amount: unused }) : over > 0 ? await gate.charge(context, { ...settle, amount: over }) : undefined;
        status = throttleStatus(bucket.policy, after ?? bucket.result);
      }
      if (!subscription) options.metrics?.cost(estimate, actual);
      if (config.extensions) {
        setExtension('cost', { requestedQueryCost: estimate, actualQueryCost: actual, ...(status && { throttleStatus: status }) });
      }
    },

    async close() {
      await options.store?.close();
    },
  };
}

function throttleStatus(policy: BucketPolicy, result: BucketResult) {
  return { maximumAvailable: policy.capacity, currentlyAvailable: result.remaining, restoreRate: policy.refillPerSecond };
}

function tooExpensive(estimated: number, max: number, message: string): AtriumError {
  return new AtriumError('COST_ESTIMATED_TOO_EXPENSIVE', message, { extensions: { cost: { estimated, max } } });
}
