import { operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import { createRequire } from 'node:module';
import type { QueryPlannerBackend } from './planner-and-executor.js';

/** A progressive-override label the gateway rolls for: `percent(N)`, N in (0, 100]. */
const PERCENT_LABEL = /^percent\((\d+(?:\.\d+)?)\)$/;

/**
 * The default planner backend: Apollo's query planner over the supergraph. `@defer` is not enabled
 * (the API schema does not declare it), so plans hold no Defer nodes. Progressive `@override` labels
 * `percent(N)` are switched on per plan from the request's band (`PlanInput.override`); any other label
 * stays off, as Apollo's planner defaults it.
 */
export function createApolloPlanner(supergraph: Supergraph): QueryPlannerBackend {
  // Loaded here, not at import: with Hive's planner (the default) Apollo's is needed only for a fallback,
  // and loading it is a good share of `atrium serve`'s start-up (docs/performance.md).
  const { QueryPlanner } = createRequire(import.meta.url)('@apollo/query-planner') as typeof import('@apollo/query-planner');
  const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: false } });
  const apiSchema = supergraph.apiSchema();
  const percentLabels = percentOverrideLabels(supergraph);
  return {
    overridePercentages: Object.freeze([...new Set(percentLabels.values())]),
    plan({ document, operationName, override }) {
      // The document was validated against the API schema already; skip federation's second validation.
      const operation = operationFromDocument(apiSchema, document, { operationName, validate: false });
      if (!override || percentLabels.size === 0) return planner.buildQueryPlan(operation);
      const overrideConditions = new Map([...percentLabels].map(([label, n]) => [label, override.active.includes(n)]));
      return planner.buildQueryPlan(operation, { overrideConditions });
    },
  };
}

/** The `percent(N)` labels of the supergraph's `@join__field(overrideLabel:)`, with their N. */
function percentOverrideLabels(supergraph: Supergraph): Map<string, number> {
  const labels = new Map<string, number>();
  const joinField = supergraph.schema.directives().find((directive) => directive.name === 'join__field');
  for (const application of joinField?.applications() ?? []) {
    const label: unknown = application.arguments().overrideLabel;
    const percent = typeof label === 'string' ? PERCENT_LABEL.exec(label) : null;
    if (percent) labels.set(label as string, Number(percent[1]));
  }
  return labels;
}
