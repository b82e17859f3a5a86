import type { QueryPlan } from '@apollo/query-planner';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, getOperationAST, type OperationTypeNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../gateway/engine/engine.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import type { SubgraphClient, SubgraphRequest } from '../../../gateway/subgraph-client/contracts.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { benchSdl, benchSupergraphSdl } from '../../fixtures/bench-workload.js';
import type { EntityBatchFetchNode } from '../../../gateway/engine/entity-batch-fetch.js';

// A batched entity fetch whose two aliases share one representations variable, run by Atrium's executor
// against a real (in-process) accounts subgraph: the representations are deduplicated across the aliases,
// each alias's answer merges only into its own objects, and an error at [alias, index, ...] is re-pathed to
// the objects of that alias only.
describe('batched entity fetches', () => {
  const users = [
    { id: '1', name: 'Uri', username: 'urigo' },
    { id: '2', name: 'Dotan', username: 'dotansimha' },
    { id: '3', name: 'Kamil', username: 'kamilkisiela' },
  ];
  const accounts = buildSubgraphSchema([
    {
      typeDefs: parse(benchSdl('accounts')),
      resolvers: {
        Query: { users: () => users, me: () => users[0] },
        User: {
          __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id),
          username: (user: { id: string; username: string }) => {
            if (user.id === '1') throw new Error('username of 1 is private');
            return user.username;
          },
        },
      },
    },
  ]);
  const sent: SubgraphRequest[] = [];
  const client: SubgraphClient = {
    async fetch(request) {
      sent.push(request);
      const result = await execute({ schema: accounts, document: parse(request.body.query), variableValues: request.body.variables });
      return { status: 200, headers: {}, body: JSON.parse(JSON.stringify(result)) };
    },
    async close() {},
  };
  const byUser = [{ kind: 'InlineFragment' as const, typeCondition: 'User', selections: [{ kind: 'Field' as const, name: '__typename' }, { kind: 'Field' as const, name: 'id' }] }];
  const batch: EntityBatchFetchNode = {
    kind: 'Fetch',
    serviceName: 'accounts',
    operationName: undefined,
    operationKind: 'query' as OperationTypeNode,
    operation:
      'query($reps:[_Any!]!){_e0: _entities(representations: $reps){...on User{name}} _e1: _entities(representations: $reps){...on User{username}}}',
    entityBatch: [
      { alias: '_e0', representationsVariable: 'reps', paths: [['users', '@']], requires: byUser },
      { alias: '_e1', representationsVariable: 'reps', paths: [['me']], requires: byUser },
    ],
  };
  const plan: QueryPlan = {
    kind: 'QueryPlan',
    node: {
      kind: 'Sequence',
      nodes: [
        { kind: 'Fetch', serviceName: 'accounts', operationName: undefined, operationKind: 'query' as OperationTypeNode, operation: '{users{__typename id} me{__typename id}}' },
        batch,
      ],
    },
  };

  it('sends one request, dedups across aliases, merges and re-paths per alias', async () => {
    const engine = createEngine({ supergraph: buildSupergraph(benchSupergraphSdl()), client, planner: { plan: () => plan } });
    const document = parse('{ users { name } me { username } }');
    const result = await engine.execute({
      document,
      operation: getOperationAST(document)!,
      rawVariables: {},
      queryHash: 'batch',
      context: { signal: new AbortController().signal } as RequestContext,
    });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.body.variables).toEqual({ reps: users.map((u) => ({ __typename: 'User', id: u.id })) });
    expect(result.data).toEqual({ users: [{ name: 'Uri' }, { name: 'Dotan' }, { name: 'Kamil' }], me: { username: null } });
    expect(result.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code }))).toEqual([
      { message: 'username of 1 is private', path: ['me', 'username'], code: 'SUBGRAPH_ERROR' },
    ]);
  });
});
