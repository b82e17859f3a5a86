import { describe, expect, it } from 'vitest';
import { formatCheckReport } from '../../../gateway/publishing/format-check-report.js';
import type { SubgraphCheckReport } from '../../../gateway/publishing/check-subgraph.js';

const problem = (line: number) => ({
  code: 'FIELD_TYPE_MISMATCH',
  message: 'Type of field "Product.weight" is incompatible across subgraphs',
  locations: [{ subgraph: 'products', file: 'schema/products.graphql', line, column: 3 }],
});

const refused = (errors: number): SubgraphCheckReport => ({
  ok: false,
  subgraph: 'products',
  compositionErrors: Array.from({ length: errors }, (_, i) => problem(i + 4)),
  changes: [],
  allowBreaking: false,
  checkProblems: [],
});

describe('formatCheckReport', () => {
  it('counts composition errors in words that agree with the count', () => {
    expect(formatCheckReport(refused(1))).toBe(
      'products: does not compose with the live subgraphs (1 error):\n' +
        '  products (schema/products.graphql:4:3): [FIELD_TYPE_MISMATCH] Type of field "Product.weight" is incompatible across subgraphs\n' +
        'products: refused — composition failed\n',
    );
    expect(formatCheckReport(refused(2)).split('\n')[0]).toBe('products: does not compose with the live subgraphs (2 errors):');
  });
});
