import type { Schema } from '@apollo/federation-internals';
import { buildOperationContext, executeQueryPlan, type ServiceMap } from '@apollo/gateway';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphEndpoint } from '../supergraph/build-supergraph.js';
import type { SubgraphClient } from '../subgraph-client/contracts.js';
import { ownAnswer } from '../subgraph-client/shared-answers.js';
import type { PlanExecutor } from './planner-and-executor.js';

export interface ApolloExecutorOptions {
  readonly apiSchema: GraphQLSchema;
  readonly federationApiSchema: Schema;
  readonly supergraphSchema: GraphQLSchema;
  readonly subgraphs: ReadonlyMap<string, SubgraphEndpoint>;
  readonly client: SubgraphClient;
}

/**
 * `@apollo/gateway`'s own plan executor behind Atrium's executor seam. It is the oracle of the
 * differential tests and can be chosen with `engine.executor: apollo` for comparison. Its fetches still go
 * through Atrium's subgraph client, so timeouts and fetch hooks apply to both executors alike.
 */
export function createApolloExecutor(options: ApolloExecutorOptions): PlanExecutor {
  return {
    async execute(input) {
      const context = input.context as RequestContext;
      const serviceMap: ServiceMap = {};
      for (const [name, endpoint] of options.subgraphs) {
        serviceMap[name] = {
            async process({ request }) {
              try {
                const response = await options.client.fetch(
                  {
                    subgraph: name,
                    url: endpoint.url,
                    operationKind: request.query?.trimStart().startsWith('mutation') ? 'mutation' : 'query',
                    body: {
                      query: request.query ?? '',
                      operationName: request.operationName ?? undefined,
                      variables: request.variables ?? undefined,
                    },
                    headers: {},
                  },
                  { context, signal: input.signal },
                );
                // Apollo's executor merges into the answers it gets: a shared parse must become its own.
                return ownAnswer(response).body as never;
              } catch (error) {
                if (error instanceof AtriumError) {
                  return { errors: [{ message: error.message, extensions: { code: error.code } }] } as never;
                }
                throw error;
              }
            },
        };
      }
      const operationContext = buildOperationContext({
        schema: options.apiSchema,
        operationDocument: input.document,
        operationName: input.operation.name?.value,
      });
      const requestContext = {
        request: { variables: input.variables as Record<string, unknown> },
        document: input.document,
        operationName: input.operation.name?.value ?? null,
        context,
        metrics: {},
        logger: undefined,
      };
      const result = await executeQueryPlan(
        input.plan,
        serviceMap,
        requestContext as never,
        operationContext,
        options.supergraphSchema,
        options.federationApiSchema,
      );
      return {
        data: result.data as Record<string, unknown> | null | undefined,
        errors: result.errors?.map((e) => (e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message)))),
        extensions: result.extensions,
      };
    },
  };
}
