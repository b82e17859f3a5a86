import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createApolloPlanner } from '../../../../gateway/engine/apollo-planner.js';
import { createHivePlanner } from '../../../../gateway/engine/hive-planner.js';
import { AtriumError } from '../../../../gateway/errors.js';
import { costSchemaOf } from '../../../../gateway/plugins/cost/cost-schema.js';
import { estimatePlanCost } from '../../../../gateway/plugins/cost/plan-cost.js';
import { costFixtureSupergraph, estimateBoth, estimateOperation, GOLDEN_ESTIMATES } from './cost-fixture.js';

const supergraph = costFixtureSupergraph();
const withListSlicing = costFixtureSupergraph({ listSlicing: true });

describe('estimated cost (golden: test/fixtures/cost/__golden__/estimated-costs.json)', () => {
  it('holds the worked example of the reference: 8, 40, 24', () => {
    expect(estimateBoth(supergraph, GOLDEN_ESTIMATES['worked example: book']!.query).overPlan.cost).toBe(8);
    expect(estimateBoth(supergraph, GOLDEN_ESTIMATES['worked example: bestsellers']!.query).overPlan.cost).toBe(40);
    expect(estimateBoth(supergraph, GOLDEN_ESTIMATES['worked example: newestAdditions(limit: 3)']!.query).overPlan.cost).toBe(24);
  });

  it('has at least 15 cases besides the worked example', () => {
    expect(Object.keys(GOLDEN_ESTIMATES).length).toBeGreaterThanOrEqual(18);
  });

  for (const [name, { query, variables, cost, operationOnly }] of Object.entries(GOLDEN_ESTIMATES)) {
    if (operationOnly) {
      it(`${name}: ${cost}, over the operation`, () => {
        expect(estimateOperation(withListSlicing, query, variables).cost).toBe(cost);
      });
      continue;
    }
    it(`${name}: ${cost}, over the plan and over the operation alike`, () => {
      const { overPlan, overOperation } = estimateBoth(supergraph, query, variables);
      expect(overPlan.cost).toBe(cost);
      expect(overOperation.cost).toBe(cost);
    });
  }

  it('counts an entity fetch once per expected entity, not as another list of the default size', () => {
    const { plan, overPlan } = estimateBoth(supergraph, '{ bestsellers { reviews { stars } } }');
    expect(JSON.stringify(plan)).toContain('_entities');
    expect(overPlan.cost).toBe(5 * (1 + 3 * (1 + 2)));
  });

  it('takes the default list size from the options', () => {
    expect(estimateBoth(supergraph, '{ allBooks { title } }', {}, 3).overPlan.cost).toBe(3);
  });

  it('says whether variables went into the number (only then it must not be cached per plan)', () => {
    expect(estimateBoth(supergraph, '{ newestAdditions(limit: 3) { title } }').overPlan.usesVariables).toBe(false);
    expect(estimateBoth(supergraph, 'query ($id: ID!) { book(id: $id) { title } }', { id: '1' }).overPlan.usesVariables).toBe(false);
    expect(estimateBoth(supergraph, 'query ($n: Int!) { newestAdditions(limit: $n) { title } }', { n: 2 }).overPlan.usesVariables).toBe(true);
    expect(estimateBoth(supergraph, 'query ($s: Boolean!) { expensive @skip(if: $s) }', { s: true }).overPlan.usesVariables).toBe(true);
  });

  it('rejects a list that needs exactly one slicing argument and gets none or two', () => {
    for (const query of ['{ search { title } }', '{ search(first: 1, last: 2) { title } }']) {
      let thrown: unknown;
      try {
        estimateBoth(supergraph, query);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AtriumError);
      expect((thrown as AtriumError).code).toBe('COST_QUERY_PARSE_FAILURE');
      expect((thrown as AtriumError).message).toContain('first, last');
    }
  });

  it('reads @cost and @listSize through the supergraph link', () => {
    const costs = costSchemaOf(supergraph);
    expect(costs.typeWeight('Address')).toBe(5);
    expect(costs.fieldWeight('Review', 'stars')).toBe(2);
    expect(costs.argumentWeight('Query', 'ratingOf', 'id')).toBe(3);
    expect(costs.inputFieldWeight('BookInput', 'author')).toBe(2);
    expect(costs.listSize('Query', 'bookConnection')).toEqual({
      assumedSize: undefined,
      slicingArguments: ['first'],
      sizedFields: ['edges'],
      requireOneSlicingArgument: true,
    });
  });

  it('counts a batched entity fetch of the hive planner like the entity fetches it replaces', () => {
    const query = '{ bestsellers { reviews { stars } } newestAdditions(limit: 3) { reviews(first: 2) { stars } } book(id: "1") { reviews { text } } }';
    const document = parse(query);
    const hive = createHivePlanner({ supergraphSdl: supergraph.sdl, fallback: () => createApolloPlanner(supergraph.supergraph) });
    const plan = hive.plan({ document, operationName: undefined });
    expect(JSON.stringify(plan)).toContain('entityBatch');
    const options = { costSchema: costSchemaOf(supergraph), variables: {}, defaultListSize: 10 };
    const { overPlan, overOperation } = estimateBoth(supergraph, query);
    expect(estimatePlanCost(plan, 'query', options).cost).toBe(overPlan.cost);
    expect(overPlan.cost).toBe(overOperation.cost);
  });
});
