/**
 * Golden tests of result shaping (gateway/engine/result-shaping.ts): inputs in
 * test/fixtures/result-shaping/cases.yaml, expected { data, errors } in
 * test/fixtures/result-shaping/__golden__/<case>.json. A mismatch fails; after an intended change run
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/engine/result-shaping.test.ts
 *
 * and review the diff of the golden files by hand (against https://spec.graphql.org/October2021/) before
 * committing it.
 */
import { fileURLToPath } from 'node:url';
import { buildSchema, getOperationAST, GraphQLError, parse } from 'graphql';
import { describe, it } from 'vitest';
import type { JsonObject } from '../../../gateway/engine/json-merge.js';
import { shapeResult } from '../../../gateway/engine/result-shaping.js';
import { expectGolden, readGoldenCases } from '../../helpers/golden.js';

interface ShapingCase {
  operation: string;
  variables?: Record<string, unknown>;
  data: JsonObject;
  errors?: { message: string; path: (string | number)[] }[];
}

const dir = fileURLToPath(new URL('../../fixtures/result-shaping/', import.meta.url));
const { schema: sdl, cases } = readGoldenCases<ShapingCase>(`${dir}cases.yaml`);
const schema = buildSchema(sdl);

describe('shapeResult (golden)', () => {
  it.each(Object.entries(cases))('%s', (name, input) => {
    const document = parse(input.operation);
    const { data, errors } = shapeResult({
      schema,
      document,
      operation: getOperationAST(document)!,
      variables: input.variables ?? {},
      data: input.data,
      errors: (input.errors ?? []).map((error) => new GraphQLError(error.message, { path: error.path })),
    });
    expectGolden(`${dir}__golden__/${name}.json`, { data, errors: errors.map((error) => error.toJSON()) });
  });
});
