import { operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { QueryPlannerBackend } from './planner-and-executor.js';

/**
 * The default planner backend: Apollo's query planner over the supergraph. `@defer` is not enabled
 * (the API schema does not declare it), so plans hold no Defer nodes.
 */
export function createApolloPlanner(supergraph: Supergraph): QueryPlannerBackend {
  const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: false } });
  const apiSchema = supergraph.apiSchema();
  return {
    plan({ document, operationName }) {
      // The document was validated against the API schema already; skip federation's second validation.
      const operation = operationFromDocument(apiSchema, document, { operationName, validate: false });
      return planner.buildQueryPlan(operation);
    },
  };
}
