import { execute, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../gateway/engine/engine.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import type { SubgraphClient } from '../../../gateway/subgraph-client/contracts.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { benchExpectedResponse, benchQuery, benchSubgraphSchemas, benchSupergraphSdl } from '../../fixtures/bench-workload.js';

// The benchmark's nested query through the whole engine (planner, executor, shaping) over in-process
// subgraphs: the response must be byte-identical to the published expected response.
describe('engine over the public benchmark workload', () => {
  const supergraph = buildSupergraph(benchSupergraphSdl());
  const schemas = benchSubgraphSchemas();
  const fetched: string[] = [];
  const client: SubgraphClient = {
    async fetch(request) {
      fetched.push(request.subgraph);
      const result = await execute({
        schema: schemas[request.subgraph]!,
        document: parse(request.body.query),
        variableValues: request.body.variables,
      });
      return { status: 200, headers: {}, body: JSON.parse(JSON.stringify(result)) };
    },
    async close() {},
  };
  const document = parse(benchQuery);
  const context = { signal: new AbortController().signal } as RequestContext;

  // Apollo's planner makes 16 subgraph fetches for this query (bench/workload/README.md); the hive planner
  // batches the entity fetches of one subgraph at one depth and makes 7.
  const variants = [
    { executor: 'atrium', planner: 'apollo', fetches: 16 },
    { executor: 'apollo', planner: 'apollo', fetches: 16 },
    { executor: 'atrium', planner: 'hive', fetches: 7 },
  ] as const;
  for (const { executor, planner, fetches } of variants) {
    it(`${executor} executor with the ${planner} planner answers byte-identically to expected-response.json in ${fetches} fetches`, async () => {
      fetched.length = 0;
      const engine = createEngine({ supergraph, client, executor, planner });
      const result = await engine.execute({
        document,
        operation: getOperationAST(document)!,
        rawVariables: {},
        queryHash: 'bench',
        context,
      });
      expect(result.errors).toBeUndefined();
      expect(JSON.stringify(result, null, 1)).toBe(benchExpectedResponse.trimEnd());
      expect(fetched).toHaveLength(fetches);
    });
  }
});
