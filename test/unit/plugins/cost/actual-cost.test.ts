import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost } from '../../../../gateway/plugins/cost/actual-cost.js';
import { costSchemaOf } from '../../../../gateway/plugins/cost/cost-schema.js';
import { costFixtureSupergraph, estimateBoth } from './cost-fixture.js';

const supergraph = costFixtureSupergraph();
const costSchema = costSchemaOf(supergraph);

function actual(query: string, data: unknown, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  return actualCost(data, getOperationAST(document)!, document, { costSchema, variables });
}

describe('actual cost of a response', () => {
  it('counts returned objects by their weight, leaves by their @cost, list items one by one', () => {
    const query = '{ bestsellers { title reviews { stars text } } }';
    const data = {
      bestsellers: [
        { title: 'A', reviews: [{ stars: 5, text: 'x' }] },
        { title: 'B', reviews: [] },
      ],
    };
    // 2 books x 1 + 1 review x (1 + stars 2)
    expect(actual(query, data)).toBe(5);
    expect(estimateBoth(supergraph, query).overPlan.cost).toBeGreaterThanOrEqual(5);
  });

  it('equals the estimate when the response holds exactly what was assumed', () => {
    const book = { title: 'T', author: { name: 'N' }, publisher: { name: 'P', address: { zipCode: '1' } } };
    const query = '{ newestAdditions(limit: 3) { title author { name } publisher { name address { zipCode } } } }';
    expect(actual(query, { newestAdditions: [book, book, book] })).toBe(24);
  });

  it('counts nothing for nulls, and the Address weight only when an address came back', () => {
    const query = '{ book(id: 1) { title author { name } publisher { name address { zipCode } } } }';
    expect(actual(query, { book: null })).toBe(0);
    expect(actual(query, { book: { title: 'T', author: null, publisher: { name: 'P', address: null } } })).toBe(2);
  });

  it('adds 10 for a mutation and the argument costs', () => {
    const query = 'mutation { addBook(input: { title: "T", author: { name: "N" } }) { id } }';
    expect(actual(query, { addBook: { id: '1' } })).toBe(10 + 1 + 1 + 2);
  });

  it('follows aliases and fragments, and leaves out skipped fields', () => {
    const query = 'query ($s: Boolean!) { a: book(id: 1) { ...F } b: expensive @skip(if: $s) } fragment F on Book { publisher { address { zipCode } } }';
    const data = { a: { publisher: { address: { zipCode: '1' } } } };
    expect(actual(query, data, { s: true })).toBe(1 + 1 + 5);
    expect(actual(query, { ...data, b: 3 }, { s: false })).toBe(1 + 1 + 5 + 50);
  });

  it('is 0 for a response without data', () => {
    expect(actual('{ expensive }', null)).toBe(0);
  });
});
