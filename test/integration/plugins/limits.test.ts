import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { createLimitsPlugin, type LimitsPlugin } from '../../../gateway/plugins/limits/index.js';
import { startDemoGateway, type DemoGateway, type DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';

const LIMITS = { maxDepth: 4, maxAliases: 3, maxRootFields: 3, maxTokens: 60, maxDirectives: 2, maxNameLength: 24, maxBatchSize: 3 };

/** `n` aliased copies of one cheap root field. */
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: topProducts(first: 1) { upc }`).join(' ')} }`;

describe('operation limits', () => {
  let subgraphs: DemoSubgraphs;
  let enforce: DemoGateway;
  let measure: DemoGateway;
  let measureLimits: LimitsPlugin;

  beforeAll(async () => {
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    enforce = await startDemoGateway({ subgraphs, config: { limits: LIMITS } });
    const measureConfig = parseConfig({ limits: { ...LIMITS, mode: 'measure' } }, 'test');
    measureLimits = createLimitsPlugin(measureConfig.limits, createLogger({ level: 'silent' }));
    measure = await startDemoGateway({ subgraphs, config: { limits: { ...LIMITS, mode: 'measure' } }, plugins: [measureLimits] });
  });
  afterAll(async () => {
    await enforce?.close();
    await measure?.close();
    await subgraphs?.close();
  });

  it.each([
    ['depth', '{ latestReviews { author { reviews { author { id } } } } }', 'MAX_DEPTH_EXCEEDED', 'maxDepth', 5, 'operation nests 5 levels deep; limits.maxDepth allows 4'],
    ['aliases', aliases(4).replace(/first: 1/g, 'first: 1'), 'MAX_ALIASES_EXCEEDED', 'maxAliases', 4, 'operation uses 4 aliases; limits.maxAliases allows 3'],
    ['root fields', '{ a: __typename b: __typename c: __typename d: __typename }', 'MAX_ALIASES_EXCEEDED', 'maxAliases', 4, 'operation uses 4 aliases; limits.maxAliases allows 3'],
    ['root fields without aliases', '{ __typename topProducts(first: 1) { upc } latestReviews { id } me { id } }', 'MAX_ROOT_FIELDS_EXCEEDED', 'maxRootFields', 4, 'operation selects 4 root fields; limits.maxRootFields allows 3'],
    ['directives', '{ __typename @include(if: true) topProducts(first: 1) @skip(if: false) { upc @include(if: true) } }', 'MAX_DIRECTIVES_EXCEEDED', 'maxDirectives', 3, 'operation uses 3 directives; limits.maxDirectives allows 2'],
    ['a long alias', '{ topProducts(first: 1) { aaaaaaaaaaaaaaaaaaaaaaaaa: upc } }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 25, 'operation has a name or @defer label of 25 characters; limits.maxNameLength allows 24'],
    ['a long alias in a fragment', '{ ...F } fragment F on Query { topProducts(first: 1) { aaaaaaaaaaaaaaaaaaaaaaaaa: upc } }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 25, 'operation has a name or @defer label of 25 characters; limits.maxNameLength allows 24'],
    ['a long @defer label', '{ topProducts(first: 1) { upc ... @defer(label: "llllllllllllllllllllllllll") { name } } }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 26, 'operation has a name or @defer label of 26 characters; limits.maxNameLength allows 24'],
    ['a long operation name', 'query OOOOOOOOOOOOOOOOOOOOOOOOO { __typename }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 25, 'operation has a name or @defer label of 25 characters; limits.maxNameLength allows 24'],
    ['a long variable name', 'query Q($vvvvvvvvvvvvvvvvvvvvvvvvvvv: Int) { topProducts(first: $vvvvvvvvvvvvvvvvvvvvvvvvvvv) { upc } }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 27, 'operation has a name or @defer label of 27 characters; limits.maxNameLength allows 24'],
    ['a long fragment name', '{ ...FFFFFFFFFFFFFFFFFFFFFFFFF } fragment FFFFFFFFFFFFFFFFFFFFFFFFF on Query { __typename }', 'MAX_NAME_LENGTH_EXCEEDED', 'maxNameLength', 25, 'operation has a name or @defer label of 25 characters; limits.maxNameLength allows 24'],
  ])('enforce: %s over the limit -> 400 with its own code, the limit and by how much', async (_, query, code, limit, actual, message) => {
    const before = subgraphs.subgraphs.map((s) => s.requests.length);
    const result = await enforce.post(query);
    expect(result.status).toBe(400);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0]).toMatchObject({ message, extensions: { code, limit, max: LIMITS[limit as keyof typeof LIMITS], actual } });
    expect(subgraphs.subgraphs.map((s) => s.requests.length)).toEqual(before);
  });

  it('enforce: the parser stops at the token limit (MAX_TOKENS_EXCEEDED)', async () => {
    const query = `{ topProducts(first: 1) { ${'upc '.repeat(80)}} }`;
    const result = await enforce.post(query);
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toMatchObject({
      message: 'query has more than 60 tokens; limits.maxTokens allows 60',
      extensions: { code: 'MAX_TOKENS_EXCEEDED', limit: 'maxTokens', max: 60, actual: 61 },
    });
  });

  it('enforce: counts fragments where they are spread, and a repeat of a refused document is refused again', async () => {
    const query = 'query { ...F ...F } fragment F on Query { x: __typename y: __typename }';
    for (let i = 0; i < 2; i++) {
      const result = await enforce.post(query);
      expect(result.status).toBe(400);
      expect(result.body.errors[0].extensions).toMatchObject({ code: 'MAX_ALIASES_EXCEEDED', actual: 4 });
    }
  });

  it('enforce: an operation within every limit runs', async () => {
    const result = await enforce.post(aliases(3));
    expect(result.status).toBe(200);
    expect(result.body.data.a2).toHaveLength(1);
    // Names of exactly maxNameLength characters pass.
    const named = await enforce.post(`query ${'N'.repeat(24)} { latestReviews { ${'a'.repeat(24)}: id } }`);
    expect(named.status).toBe(200);
    expect(named.body.data.latestReviews[0]['a'.repeat(24)]).toEqual(expect.any(String));
  });

  it('enforce: a long alias is refused on the default limit (256) before it can multiply the answer', async () => {
    const plain = await startDemoGateway({ subgraphs });
    try {
      const alias = 'a'.repeat(257);
      const result = await plain.post(`{ topProducts(first: 5) { ${alias}: upc } }`);
      expect(result.status).toBe(400);
      expect(result.body.errors[0].extensions).toEqual({ code: 'MAX_NAME_LENGTH_EXCEEDED', limit: 'maxNameLength', max: 256, actual: 257 });
      const within = await plain.post(`{ topProducts(first: 5) { ${alias.slice(1)}: upc } }`);
      expect(within.status).toBe(200);
      expect(within.body.data.topProducts).toHaveLength(5);
      // One undefined 100 KB variable in a fragment that 100 operations spread was 100 validation errors
      // quoting it: 10 MB out for 100 KB in. Now one short refusal.
      const name = 'v'.repeat(100_000);
      const operations = Array.from({ length: 100 }, (_, i) => `query O${i} { ...F }`).join(' ');
      const amplified = await plain.post(`${operations} fragment F on Query { topProducts(first: $${name}) { upc } }`);
      expect(amplified.status).toBe(400);
      expect(amplified.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'MAX_NAME_LENGTH_EXCEEDED', limit: 'maxNameLength', max: 256, actual: 100_000 } })]);
      expect(amplified.text.length).toBeLessThan(1_000);
    } finally {
      await plain.close();
    }
  });

  it('measure: runs the operation, counts and does not reject', async () => {
    const result = await measure.post(aliases(5));
    expect(result.status).toBe(200);
    expect(result.body.data.a4).toHaveLength(1);
    const deep = await measure.post('{ latestReviews { author { reviews { author { id } } } } }');
    expect(deep.status).toBe(200);
    expect(measureLimits.stats().measured).toMatchObject({ maxAliases: 1, maxRootFields: 1, maxDepth: 1 });
    expect(measureLimits.stats().rejected.maxAliases).toBe(0);
    // The document cache skips parsing and validation for a repeat; the limits still see it.
    await measure.post(aliases(5));
    expect(measureLimits.stats().measured.maxAliases).toBe(2);
  });

  describe('batches (limits.maxBatchSize)', () => {
    const postBatch = (gateway: DemoGateway, body: unknown) =>
      fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('answers a batch with one response per operation, each through the whole pipeline', async () => {
      const response = await postBatch(enforce, [
        { query: '{ topProducts(first: 1) { upc } }' },
        { query: aliases(4) },
        { query: 'query($upc: String!) { product(upc: $upc) { name } }', variables: { upc: '1001' } },
      ]);
      const body = (await response.json()) as any;
      expect(response.status).toBe(200);
      expect(body).toHaveLength(3);
      expect(body[0].data.topProducts).toHaveLength(1);
      expect(body[1].errors[0].extensions.code).toBe('MAX_ALIASES_EXCEEDED');
      expect(body[2].data.product.name).toEqual(expect.any(String));
    });

    it('refuses a batch over the limit before running any operation (BATCH_TOO_LARGE)', async () => {
      const before = subgraphs.subgraphs.map((s) => s.requests.length);
      const response = await postBatch(enforce, Array.from({ length: 4 }, () => ({ query: '{ topProducts(first: 1) { upc } }' })));
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0]).toMatchObject({
        message: 'batch holds 4 operations; limits.maxBatchSize allows 3',
        extensions: { code: 'BATCH_TOO_LARGE', limit: 'maxBatchSize', max: 3, actual: 4 },
      });
      expect(subgraphs.subgraphs.map((s) => s.requests.length)).toEqual(before);
    });

    it('answers an empty batch and a batch of non-objects with 400', async () => {
      const empty = await postBatch(enforce, []);
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
      const junk = await postBatch(enforce, [42, 'x']);
      expect(junk.status).toBe(400);
      const body = (await junk.json()) as any;
      expect(body).toEqual([
        { errors: [{ message: 'a batch item must be an operation object, not number', extensions: { code: 'BAD_REQUEST' } }] },
        { errors: [{ message: 'a batch item must be an operation object, not string', extensions: { code: 'BAD_REQUEST' } }] },
      ]);
    });

    // Issue 16, item 11: a nested array answered "Operation batching disabled." while batching was on.
    it('refuses a nested batch item with 400 BAD_REQUEST that says so, and runs the items beside it', async () => {
      const response = await postBatch(enforce, [[{ query: '{ __typename }' }], { query: '{ __typename }' }]);
      const body = (await response.json()) as any;
      expect(body[0].errors[0]).toEqual({
        message: 'a batch item must be an operation object; batches do not nest',
        extensions: { code: 'BAD_REQUEST' },
      });
      expect(body[1]).toEqual({ data: { __typename: 'Query' } });
    });

    it('measure mode runs a batch over the limit', async () => {
      const response = await postBatch(measure, Array.from({ length: 5 }, () => ({ query: '{ __typename }' })));
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveLength(5);
    });
  });
});

describe('limits config', () => {
  it('refuses the old graphql.maxDepth key with a message that names the new one', () => {
    expect(() => parseConfig({ graphql: { maxDepth: 10 } }, 'gateway.yaml')).toThrow(
      /gateway\.yaml: graphql\.maxDepth: moved to limits\.maxDepth/,
    );
  });
});
