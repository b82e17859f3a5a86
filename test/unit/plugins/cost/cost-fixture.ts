import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getOperationAST, parse } from 'graphql';
import { createApolloPlanner } from '../../../../gateway/engine/apollo-planner.js';
import { costSchemaOf } from '../../../../gateway/plugins/cost/cost-schema.js';
import { estimateOperationCost, estimatePlanCost } from '../../../../gateway/plugins/cost/plan-cost.js';
import { type LoadedSupergraph, buildSupergraph } from '../../../../gateway/supergraph/build-supergraph.js';
import { composeSubgraphs } from '../../../../gateway/supergraph/compose.js';

const dir = fileURLToPath(new URL('../../../fixtures/cost/', import.meta.url));

/**
 * The books + reviews cost fixture, composed and built like a served supergraph. With `listSlicing`,
 * Query.byIds also gets `@listSize(slicingArguments: ["ids"])`, which the cost spec allows but composition
 * refuses (and the planner then cannot extract the subgraphs): score it over the operation only.
 */
export function costFixtureSupergraph(options: { listSlicing?: boolean } = {}): LoadedSupergraph {
  const result = composeSubgraphs(
    ['books', 'reviews'].map((name) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      sdl: readFileSync(`${dir}${name}.graphql`, 'utf8'),
      sourceName: `${name}.graphql`,
    })),
  );
  if ('errors' in result) throw new Error(result.errors.map((e) => e.message).join('\n'));
  if (!options.listSlicing) return buildSupergraph(result.supergraphSdl);
  const sdl = result.supergraphSdl.replace(/(byIds\(ids: \[ID!\]!\): \[Book!\]![^\n]*)/, '$1 @listSize(slicingArguments: ["ids"])');
  if (sdl === result.supergraphSdl) throw new Error('cost fixture: Query.byIds not found in the composed supergraph');
  return buildSupergraph(sdl);
}

/** Plans `query` on the fixture and estimates it both over the plan and over the operation. */
export function estimateBoth(
  supergraph: LoadedSupergraph,
  query: string,
  variables: Record<string, unknown> = {},
  defaultListSize = 10,
) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  const plan = createApolloPlanner(supergraph.supergraph).plan({ document, operationName: undefined });
  const options = { costSchema: costSchemaOf(supergraph), variables, defaultListSize };
  return {
    plan,
    overPlan: estimatePlanCost(plan, operation.operation, options),
    overOperation: estimateOperationCost(operation, document, options),
  };
}

/** Estimates `query` over the operation only (no planner). */
export function estimateOperation(supergraph: LoadedSupergraph, query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return estimateOperationCost(operation, document, { costSchema: costSchemaOf(supergraph), variables, defaultListSize: 10 });
}

export const GOLDEN_ESTIMATES: Record<string, { query: string; variables?: Record<string, unknown>; cost: number; operationOnly?: boolean }> = JSON.parse(
  readFileSync(`${dir}__golden__/estimated-costs.json`, 'utf8'),
);
