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

  it('counts an aliased key named like an inherited property only where the object has it', () => {
    const query = '{ toString: expensive constructor: book(id: 1) { title } }';
    expect(actual(query, {})).toBe(0);
    expect(actual(query, { toString: 3, constructor: { title: 'T' } })).toBe(50 + 1);
  });

  it('is 0 for a response without data', () => {
    expect(actual('{ expensive }', null)).toBe(0);
  });

  describe('kept per operation (the same document node, request after request)', () => {
    /** The actual cost with a freshly parsed document each time: nothing kept from an earlier walk. */
    const fresh = (query: string, data: unknown, variables: Record<string, unknown> = {}) => actual(query, data, variables);

    it('equals the fresh walk for an operation without variables, whatever the responses hold', () => {
      const query = '{ book(id: 1) { title author { name } publisher { name address { zipCode } } } expensive }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const responses = [
        { book: null, expensive: null },
        { book: { title: 'T', author: null, publisher: { name: 'P', address: { zipCode: '1' } } }, expensive: 3 },
        { book: { title: 'T', author: { name: 'N' }, publisher: null } },
      ];
      for (const data of [...responses, ...responses]) {
        expect(actualCost(data, operation, document, { costSchema, variables: {} })).toBe(fresh(query, data));
      }
    });

    it('counts what variables include or skip, on every response of the same document', () => {
      const query = 'query ($withPublisher: Boolean!, $skipExpensive: Boolean!) { book(id: 1) { title publisher @include(if: $withPublisher) { name address { zipCode } } } expensive @skip(if: $skipExpensive) }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const data = { book: { title: 'T', publisher: { name: 'P', address: { zipCode: '1' } } }, expensive: 3 };
      const cost = (variables: Record<string, unknown>) => actualCost(data, operation, document, { costSchema, variables });
      const all = { withPublisher: true, skipExpensive: false };
      const none = { withPublisher: false, skipExpensive: true };
      expect(cost(all)).toBe(1 + 1 + 5 + 50);
      expect(cost(none)).toBe(1);
      expect(cost(all)).toBe(1 + 1 + 5 + 50);
      expect(cost(none)).toBe(fresh(query, data, none));
    });

    it('reads a variable first met in a later response (a selection under a field that was null before)', () => {
      const query = 'query ($p: Boolean!) { book(id: 1) { title publisher @include(if: $p) { name address { zipCode } } } }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const book = { book: { title: 'T', publisher: { name: 'P', address: { zipCode: '1' } } } };
      const cost = (data: unknown, p: boolean) => actualCost(data, operation, document, { costSchema, variables: { p } });
      expect(cost({ book: null }, true)).toBe(0);
      expect(cost(book, true)).toBe(1 + 1 + 5);
      expect(cost(book, false)).toBe(1);
      expect(cost(book, true)).toBe(1 + 1 + 5);
    });

    it('prices arguments from the variables of each request', () => {
      const query = 'mutation ($input: BookInput!) { addBook(input: $input) { id } }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const data = { addBook: { id: '1' } };
      const cost = (input: unknown) => actualCost(data, operation, document, { costSchema, variables: { input } });
      const withAuthor = { title: 'T', author: { name: 'N' } };
      const plain = { title: 'T' };
      expect(cost(withAuthor)).toBe(10 + 1 + 1 + 2);
      expect(cost(plain)).toBe(10 + 1 + 1);
      expect(cost(withAuthor)).toBe(fresh(query, data, { input: withAuthor }));
    });

    it('follows objects under one field whose __typename changes from one to the next', () => {
      const query = '{ bestsellers { __typename title publisher { __typename address { zipCode } } } }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      const publisher = { __typename: 'Publisher', address: { zipCode: '1' } };
      const data = {
        bestsellers: [
          { __typename: 'Book', title: 'A', publisher },
          { title: 'B', publisher: { address: null } },
          { __typename: 'NotAType', title: 'C', publisher },
          { __typename: 'Book', title: 'D', publisher: null },
        ],
      };
      for (let i = 0; i < 2; i++) {
        expect(actualCost(data, operation, document, { costSchema, variables: {} })).toBe(fresh(query, data));
      }
      expect(fresh(query, data)).toBe(4 + 3 + 2 * 5);
    });

    it('walks afresh for another cost schema (a hot reload)', () => {
      const query = '{ expensive }';
      const document = parse(query);
      const operation = getOperationAST(document)!;
      expect(actualCost({ expensive: 1 }, operation, document, { costSchema, variables: {} })).toBe(50);
      const reloaded = costSchemaOf(costFixtureSupergraph());
      expect(reloaded).not.toBe(costSchema);
      expect(actualCost({ expensive: 1 }, operation, document, { costSchema: reloaded, variables: {} })).toBe(50);
      expect(actualCost({ expensive: 1 }, operation, document, { costSchema, variables: {} })).toBe(50);
    });
  });
});
