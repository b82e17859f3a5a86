import type * as Hive from '@graphql-hive/router-query-planner';
import { describe, expect, it } from 'vitest';
import { convertHivePlan, UnsupportedHivePlanError } from '../../../gateway/engine/hive-plan.js';

const entityFetch = (extra: Partial<Hive.FetchNode> = {}): Hive.FetchNode => ({
  kind: 'Fetch',
  serviceName: 'reviews',
  operationKind: 'query',
  operation: 'query($representations:[_Any!]!){_entities(representations: $representations){...on Product{rating}}}',
  requires: [{ kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'upc' }] }],
  ...extra,
});
const flatten = (path: Hive.FlattenNodePathSegment[], node: Hive.PlanNode): Hive.QueryPlan => ({
  kind: 'QueryPlan',
  node: { kind: 'Flatten', path, node },
});

describe('convertHivePlan', () => {
  it('writes flatten paths as Apollo response paths, a type condition as a |[...] suffix of the element before it', () => {
    const plan = convertHivePlan(flatten([{ Field: 'search' }, '@', { TypeCondition: ['Bundle'] }, { Field: 'products' }, '@'], entityFetch()));
    expect(plan.node).toMatchObject({ kind: 'Flatten', path: ['search', '@|[Bundle]', 'products', '@'] });
  });

  it('keeps a condition at the start, or a second one in a row, as its own filter element', () => {
    const plan = convertHivePlan(flatten([{ TypeCondition: ['A', 'B'] }, { Field: 'x' }, { TypeCondition: ['C'] }, { TypeCondition: ['D'] }], entityFetch()));
    expect(plan.node).toMatchObject({ path: ['|[A,B]', 'x|[C]', '|[D]'] });
  });

  it('converts rewrites of all three spellings, one rewrite per type of a multi-type condition', () => {
    const plan = convertHivePlan({
      kind: 'QueryPlan',
      node: entityFetch({
        inputRewrites: [{ ValueSetter: { path: [{ TypenameEquals: ['ProductItem'] }, { Key: '__typename' }], setValueTo: 'ProductItem' } }],
        outputRewrites: [
          { KeyRenamer: { path: [{ TypenameEquals: ['A', 'B'] }, { Key: 'x__alias' }], renameKeyTo: 'x' } },
          { kind: 'ValueSetter', path: [{ Key: 'kind' }], setValueTo: 'K' },
        ],
      }),
    });
    expect(plan.node).toMatchObject({
      inputRewrites: [{ kind: 'ValueSetter', path: ['... on ProductItem', '__typename'], setValueTo: 'ProductItem' }],
      outputRewrites: [
        { kind: 'KeyRenamer', path: ['... on A', 'x__alias'], renameKeyTo: 'x' },
        { kind: 'KeyRenamer', path: ['... on B', 'x__alias'], renameKeyTo: 'x' },
        { kind: 'ValueSetter', path: ['kind'], setValueTo: 'K' },
      ],
    });
  });

  it('turns a BatchFetch into a Fetch node with an entity batch', () => {
    const batch: Hive.BatchFetchNode = {
      kind: 'BatchFetch',
      serviceName: 'accounts',
      operationKind: 'query',
      variableUsages: ['locale'],
      operation:
        'query($__batch_reps_0:[_Any!]!,$locale:String){_e0: _entities(representations: $__batch_reps_0){...on User{name(locale: $locale)}}}',
      entityBatch: {
        aliases: [
          {
            alias: '_e0',
            representationsVariableName: '__batch_reps_0',
            paths: [[{ Field: 'me' }], [{ Field: 'users' }, '@']],
            requires: [{ kind: 'InlineFragment', typeCondition: 'User', selections: [{ kind: 'Field', name: 'id' }] }],
          },
        ],
      },
    };
    expect(convertHivePlan({ kind: 'QueryPlan', node: batch }).node).toEqual({
      kind: 'Fetch',
      serviceName: 'accounts',
      operation: batch.operation,
      operationName: undefined,
      operationKind: 'query',
      variableUsages: ['locale'],
      entityBatch: [
        {
          alias: '_e0',
          representationsVariable: '__batch_reps_0',
          paths: [['me'], ['users', '@']],
          requires: [{ kind: 'InlineFragment', typeCondition: 'User', selections: [{ kind: 'Field', name: 'id' }] }],
        },
      ],
    });
  });

  it("turns Hive's aliased requires field (name: response key, alias: field) into Apollo's (alias: response key)", () => {
    const plan = convertHivePlan({
      kind: 'QueryPlan',
      node: entityFetch({ requires: [{ kind: 'Field', name: '_internal_qp_alias_0', alias: 'price' }, { kind: 'Field', name: 'id' }] }),
    });
    expect((plan.node as { requires?: unknown }).requires).toEqual([
      { kind: 'Field', name: 'price', alias: '_internal_qp_alias_0' },
      { kind: 'Field', name: 'id' },
    ]);
  });

  it('refuses what the executor would have to guess at', () => {
    const refused = (node: Hive.PlanNode) => () => convertHivePlan({ kind: 'QueryPlan', node });
    const fragment = (extra: object) =>
      entityFetch({ requires: [{ kind: 'InlineFragment', typeCondition: 'Product', selections: [], ...extra }] });
    expect(refused(entityFetch({ requires: [{ kind: 'FragmentSpread', value: 'Key' }] }))).toThrow(UnsupportedHivePlanError);
    expect(refused(fragment({ skipIf: 'no' }))).toThrow(/conditional inline fragment/);
    expect(refused({ kind: 'Defer', primary: {}, deferred: [] })).toThrow(/Defer/);
    const mutation = (serviceName: string): Hive.FetchNode => ({ kind: 'Fetch', serviceName, operationKind: 'mutation', operation: 'mutation{a}' });
    expect(refused({ kind: 'Parallel', nodes: [mutation('orders'), { kind: 'Sequence', nodes: [mutation('reviews')] }] })).toThrow(
      /mutation fetches in parallel/,
    );
    expect(() => convertHivePlan({ kind: 'QueryPlan', node: { kind: 'Parallel', nodes: [mutation('orders'), entityFetch()] } })).not.toThrow();
    expect(refused({ kind: 'Fetch', serviceName: 'products', operation: '{ topProducts { sku: name sku } }' })).toThrow(
      /two fields as topProducts.sku/,
    );
  });

  it("turns Hive's Sequence [Subscription, ...] into Apollo's Subscription { primary, rest } (Issue 17)", () => {
    // What Hive's planner (0.0.38) returns for `subscription { reviewAdded { body item { name } } }`.
    const primary: Hive.FetchNode = { kind: 'Fetch', serviceName: 'reviews', operationKind: 'subscription', operation: 'subscription{reviewAdded{body item{__typename upc}}}' };
    const rest: Hive.PlanNode = { kind: 'Flatten', path: [{ Field: 'reviewAdded' }, { Field: 'item' }], node: entityFetch({ serviceName: 'products' }) };
    const plan = convertHivePlan({ kind: 'QueryPlan', node: { kind: 'Sequence', nodes: [{ kind: 'Subscription', primary } as Hive.PlanNode, rest] } });
    expect(plan.node).toMatchObject({
      kind: 'Subscription',
      primary: { kind: 'Fetch', serviceName: 'reviews', operationKind: 'subscription' },
      rest: { kind: 'Flatten', path: ['reviewAdded', 'item'], node: { kind: 'Fetch', serviceName: 'products' } },
    });
  });

  it('an empty plan stays empty', () => {
    expect(convertHivePlan({ kind: 'QueryPlan' })).toEqual({ kind: 'QueryPlan' });
  });
});
