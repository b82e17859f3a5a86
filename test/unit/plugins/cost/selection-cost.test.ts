/**
 * Golden tests of the selection cost estimate (gateway/plugins/cost/selection-cost.ts): inputs in
 * test/fixtures/selection-cost/cases.yaml, expected output in test/fixtures/selection-cost/__golden__/<case>.json
 * (cost, usesVariables, multipliers per response path, or the refusal). A mismatch fails; after an intended
 * change run
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/plugins/cost/selection-cost.test.ts
 *
 * and review the diff of the golden files by hand (against shared/reference/directives.md) before committing it.
 */
import { fileURLToPath } from 'node:url';
import { getOperationAST, parse } from 'graphql';
import { describe, it } from 'vitest';
import { AtriumError } from '../../../../gateway/errors.js';
import { costSchemaOf } from '../../../../gateway/plugins/cost/cost-schema.js';
import { fragmentsOf, SelectionCostScorer } from '../../../../gateway/plugins/cost/selection-cost.js';
import { buildSupergraph } from '../../../../gateway/supergraph/build-supergraph.js';
import { composeSubgraphs } from '../../../../gateway/supergraph/compose.js';
import { expectGolden, readGoldenCases } from '../../../helpers/golden.js';

interface CostCase {
  operation: string;
  variables?: Record<string, unknown>;
}

const dir = fileURLToPath(new URL('../../../fixtures/selection-cost/', import.meta.url));
const { schema: sdl, cases } = readGoldenCases<CostCase>(`${dir}cases.yaml`);

function loadCostSchema() {
  const composed = composeSubgraphs([{ name: 'main', url: 'http://main.invalid/graphql', sdl, sourceName: 'cases.yaml' }]);
  if ('errors' in composed) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return costSchemaOf(buildSupergraph(composed.supergraphSdl));
}

function estimate(costSchema: ReturnType<typeof loadCostSchema>, input: CostCase): unknown {
  const document = parse(input.operation);
  const operation = getOperationAST(document)!;
  const scorer = new SelectionCostScorer({ costSchema, variables: input.variables ?? {}, defaultListSize: 10 });
  try {
    const cost = scorer.selectionSetCost(operation.selectionSet, costSchema.schema.getRootType(operation.operation)!, fragmentsOf(document.definitions), {
      path: '',
      count: 1,
    });
    return { cost, usesVariables: scorer.usesVariables, multipliers: Object.fromEntries(scorer.multipliers) };
  } catch (error) {
    if (!(error instanceof AtriumError)) throw error;
    return { error: { code: error.code, message: error.message } };
  }
}

describe('SelectionCostScorer (golden)', () => {
  const costSchema = loadCostSchema();

  it.each(Object.entries(cases))('%s', (name, input) => {
    expectGolden(`${dir}__golden__/${name}.json`, estimate(costSchema, input));
  });
});
