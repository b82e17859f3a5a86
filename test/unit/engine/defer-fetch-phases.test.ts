import type { FetchNode, PlanNode } from '@apollo/query-planner';
import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fetchPhases } from '../../../gateway/engine/defer-fetch-phases.js';
import { deferLevels } from '../../../gateway/engine/defer-operation.js';

function levelsOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return deferLevels(document, getOperationAST(document)!, variables);
}

const fetch = (serviceName: string, operation: string, entity = false): FetchNode =>
  ({ kind: 'Fetch', serviceName, operation, variableUsages: [], ...(entity && { requires: [{ kind: 'InlineFragment', typeCondition: 'Product', selections: [] }] }) }) as unknown as FetchNode;
const flatten = (path: string[], node: PlanNode): PlanNode => ({ kind: 'Flatten', path, node }) as PlanNode;
const sequence = (...nodes: PlanNode[]): PlanNode => ({ kind: 'Sequence', nodes });

const ROOT = fetch('products', '{topProducts{__typename upc name}}');
const REVIEWS = fetch('reviews', 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{reviews{body author{__typename id}}}}}', true);
const USERS = fetch('accounts', 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}', true);
const PLAN = sequence(ROOT, flatten(['topProducts', '@'], REVIEWS), flatten(['topProducts', '@', 'reviews', '@', 'author'], USERS));

describe('deferLevels', () => {
  it('gives each response key the least number of active @defer fragments around it', () => {
    const { root, maxLevel } = levelsOf('{ topProducts { upc ... @defer { reviews { body ... @defer { author { name } } } } } }');
    expect(maxLevel).toBe(2);
    const products = root.children.get('topProducts')!;
    expect(products.level).toBe(0);
    expect(products.children.get('reviews')!.level).toBe(1);
    expect(products.children.get('reviews')!.children.get('author')!.level).toBe(2);
  });

  it('does not count @defer(if: false) or a variable that is false', () => {
    expect(levelsOf('{ topProducts { ... @defer(if: false) { upc } } }').maxLevel).toBe(0);
    expect(levelsOf('query($d: Boolean!) { topProducts { ... @defer(if: $d) { upc } } }', { d: false }).maxLevel).toBe(0);
    expect(levelsOf('query($d: Boolean!) { topProducts { ... @defer(if: $d) { upc } } }', { d: true }).maxLevel).toBe(1);
  });

  it('keeps a key primary when it is also selected outside the deferred fragment', () => {
    const { root } = levelsOf('{ topProducts { reviews { body } ... @defer { reviews { body } } } }');
    expect(root.children.get('topProducts')!.children.get('reviews')!.level).toBe(0);
  });
});

describe('fetchPhases', () => {
  it('runs a fetch in the phase of the shallowest defer level it writes', () => {
    const phases = fetchPhases(PLAN, levelsOf('{ topProducts { name ... @defer { reviews { body ... @defer { author { name } } } } } }').root);
    expect([phases.get(ROOT), phases.get(REVIEWS), phases.get(USERS)]).toEqual([0, 1, 2]);
  });

  it('never runs a fetch after one that comes later in a Sequence (it may feed it)', () => {
    // price is deferred, but the primary shippingEstimate @requires it: the price fetch runs in phase 0.
    const price = fetch('products', 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price weight}}}', true);
    const estimate = fetch('inventory', 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{shippingEstimate}}}', true);
    const plan = sequence(ROOT, flatten(['topProducts', '@'], price), flatten(['topProducts', '@'], estimate));
    const levels = levelsOf('{ topProducts { shippingEstimate ... @defer { price } } }').root;
    const phases = fetchPhases(plan, levels);
    expect([phases.get(price), phases.get(estimate)]).toEqual([0, 0]);
    // Deferred together, both wait for phase 1.
    const deferred = fetchPhases(plan, levelsOf('{ topProducts { name ... @defer { price shippingEstimate } } }').root);
    expect([deferred.get(ROOT), deferred.get(price), deferred.get(estimate)]).toEqual([0, 1, 1]);
  });

  it('runs a fetch that writes no key of the operation first', () => {
    const keysOnly = fetch('inventory', 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{sku}}}', true);
    const phases = fetchPhases(sequence(ROOT, flatten(['topProducts', '@'], keysOnly)), levelsOf('{ topProducts { name ... @defer { price } } }').root);
    expect(phases.get(keysOnly)).toBe(0);
  });
});
