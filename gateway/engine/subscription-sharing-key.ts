import type { QueryPlan } from '@apollo/query-planner';
import type { GraphQLError } from 'graphql';
import type { RequestContext } from '../request-context.js';
import { canonicalValue, keyedHeaders, PER_REQUEST_HEADERS } from '../subgraph-client/shared-requests.js';

/**
 * Headers of a client's connection that say nothing about what it may see or what the gateway forwards:
 * the WebSocket handshake's own, hop-by-hop ones, and the per-request ids. Every other header is part of
 * the sharing key, because a header rule may forward it to a subgraph or a plugin may read it.
 */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  ...PER_REQUEST_HEADERS,
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'connection',
  'upgrade',
  'content-length',
  'accept-encoding',
]);

const planIds = new WeakMap<QueryPlan, number>();
let nextPlanId = 0;

/**
 * The key under which subscription clients share the completion of each event (subscription-events.ts):
 * two clients get one key only when everything the completion depends on is the same —
 *
 * - the plan object (same supergraph, same document after the operation hooks, so the same authorization
 *   outcome, and the same progressive-override band), and the operation hooks' errors (removed fields);
 * - the operation name and the coerced variables (keys sorted);
 * - the principal: client id, subject, scopes and every claim (a token's `exp`/`iat` included, so two
 *   tokens of one user do not share — the forwarded token and a claim-based policy may differ);
 * - the connection's request headers, but for the handshake's own (`sec-websocket-*`, `connection`,
 *   `upgrade`, …) and the per-request ids: header rules and identity hooks build the entity fetches' headers
 *   from them.
 *
 * Everything is compared, none of it hashed away, so a difference can only cost sharing, never leak one
 * client's events to another.
 */
export function subscriptionSharingKey(options: {
  plan: QueryPlan;
  operationName: string | undefined;
  variables: Readonly<Record<string, unknown>>;
  early: readonly GraphQLError[];
  context: RequestContext;
}): string {
  const { plan, context } = options;
  let planId = planIds.get(plan);
  if (planId === undefined) {
    planId = nextPlanId++;
    planIds.set(plan, planId);
  }
  const principal = context.principal && canonicalValue({ ...context.principal, scopes: [...context.principal.scopes].sort() });
  const early = options.early.map((error) => [error.message, error.path ?? null, error.extensions]);
  return JSON.stringify([planId, options.operationName ?? null, canonicalValue(options.variables), early, principal ?? null, keyedHeaders(context.http.headers, CONNECTION_HEADERS)]);
}
