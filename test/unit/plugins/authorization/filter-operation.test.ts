/**
 * Golden tests of operation filtering (gateway/plugins/authorization/filter-operation.ts): inputs in
 * test/fixtures/filter-operation/cases.yaml, expected output in test/fixtures/filter-operation/__golden__/<case>.json
 * (the filtered document printed, every removed selection, nothingLeft). A mismatch fails; after an
 * intended change run
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/plugins/authorization/filter-operation.test.ts
 *
 * and review the diff of the golden files by hand (against shared/reference/directives.md) before committing it.
 */
import { fileURLToPath } from 'node:url';
import { getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { filterOperation } from '../../../../gateway/plugins/authorization/filter-operation.js';
import { readRequirements } from '../../../../gateway/plugins/authorization/requirements.js';
import { buildSupergraph } from '../../../../gateway/supergraph/build-supergraph.js';
import { composeSubgraphs } from '../../../../gateway/supergraph/compose.js';
import { expectGolden, readGoldenCases } from '../../../helpers/golden.js';

interface FilterCase {
  operation: string;
  principal: { authenticated: boolean; scopes: string[]; policies: string[] };
}

const dir = fileURLToPath(new URL('../../../fixtures/filter-operation/', import.meta.url));
const { schema: sdl, cases } = readGoldenCases<FilterCase>(`${dir}cases.yaml`);

function loadSupergraph() {
  const composed = composeSubgraphs([{ name: 'main', url: 'http://main.invalid/graphql', sdl, sourceName: 'cases.yaml' }]);
  if ('errors' in composed) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return buildSupergraph(composed.supergraphSdl);
}

describe('filterOperation (golden)', () => {
  const supergraph = loadSupergraph();
  const requirements = readRequirements(supergraph.supergraph);

  it.each(Object.entries(cases))('%s', (name, input) => {
    const document = parse(input.operation);
    const facts = {
      authenticated: input.principal.authenticated,
      scopes: new Set(input.principal.scopes),
      policies: new Set(input.principal.policies),
    };
    const filtered = filterOperation({ schema: supergraph.apiSchema, requirements, document, operation: getOperationAST(document)!, facts });
    // Pure: the same inputs give the same result (the plugin caches it per operation and facts).
    expect(filterOperation({ schema: supergraph.apiSchema, requirements, document, operation: getOperationAST(document)!, facts })).toEqual(filtered);
    expectGolden(`${dir}__golden__/${name}.json`, {
      document: filtered.document === undefined ? null : print(filtered.document).split('\n'),
      removed: filtered.removed.map((removed) => ({ ...removed, parentTypes: [...removed.parentTypes].sort() })),
      nothingLeft: filtered.nothingLeft,
    });
  });
});
