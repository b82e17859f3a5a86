import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as HivePlannerModule from '@graphql-hive/router-query-planner';
import { join } from 'node:path';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import { type DocumentNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createApolloPlanner } from '../../../gateway/engine/apollo-planner.js';
import { createEngine } from '../../../gateway/engine/engine.js';
import { createHivePlanner } from '../../../gateway/engine/hive-planner.js';
import { type QueryPlannerBackend } from '../../../gateway/engine/planner-and-executor.js';
import { AtriumError } from '../../../gateway/errors.js';
import { createLogger } from '../../../gateway/logger.js';
import { composeSubgraphs } from '../../../gateway/supergraph/compose.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { DEMO_SUBGRAPHS, readSubgraphSdl } from '../../../subgraphs/index.js';
import { benchQuery, benchSupergraphSdl } from '../../fixtures/bench-workload.js';
import { isEntityBatchFetch } from '../../../gateway/engine/entity-batch-fetch.js';
import { overrideBands } from '../../../gateway/engine/progressive-override.js';

const GOLDEN = join(import.meta.dirname, '__golden__', 'hive-bench-plan.json');
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'operations');

function composed(subgraphs: readonly { name: string; sdl: string }[]): string {
  const result = composeSubgraphs(subgraphs.map(({ name, sdl }) => ({ name, url: `http://${name}.invalid/graphql`, sdl, sourceName: name })));
  if ('errors' in result) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** A subgraph client for engines that are only built, never asked to fetch. */
const client = { fetch: () => Promise.reject(new Error('not called')), close: async () => {} };

/** The hive planner with a fallback that records what it was asked to plan. */
function hivePlanner(sdl: string) {
  const supergraph = buildSupergraph(sdl);
  const fellBack: (string | undefined)[] = [];
  const apollo = createApolloPlanner(supergraph.supergraph);
  const fallback: QueryPlannerBackend = {
    plan(input) {
      fellBack.push(input.operationName);
      return apollo.plan(input);
    },
  };
  const planner = createHivePlanner({ supergraphSdl: sdl, fallback: () => fallback });
  return { planner, fellBack };
}

function fetchesOf(node: PlanNode | undefined): FetchNode[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch':
      return [node];
    case 'Sequence':
    case 'Parallel':
      return node.nodes.flatMap(fetchesOf);
    case 'Flatten':
      return fetchesOf(node.node);
    case 'Condition':
      return [...fetchesOf(node.ifClause), ...fetchesOf(node.elseClause)];
    default:
      return [];
  }
}

const plan = (planner: QueryPlannerBackend, query: string, operationName?: string): QueryPlan =>
  planner.plan({ document: parse(query) as DocumentNode, operationName });

describe('the hive planner backend', () => {
  it('plans the benchmark query in 7 fetches, 4 of them batched, as in the golden plan', () => {
    const { planner, fellBack } = hivePlanner(benchSupergraphSdl());
    const built = plan(planner, benchQuery);
    const fetches = fetchesOf(built.node as PlanNode);
    expect(fellBack).toEqual([]);
    expect(fetches).toHaveLength(7);
    expect(fetches.filter(isEntityBatchFetch)).toHaveLength(4);
    const text = `${JSON.stringify(built, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1' && (!existsSync(GOLDEN) || readFileSync(GOLDEN, 'utf8') !== text)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  describe('over the demo supergraph', () => {
    const sdl = composed(DEMO_SUBGRAPHS.map((name) => ({ name, sdl: readSubgraphSdl(name) })));
    const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.graphql`), 'utf8');

    it('falls back to the apollo planner where the hive planner fails inside, and says why', () => {
      const { planner, fellBack } = hivePlanner(sdl);
      const explained = planner.explain({ document: parse(fixture('05-requires-from-third-subgraph')), operationName: 'RequiresFromThirdSubgraph' });
      expect(fellBack).toEqual(['RequiresFromThirdSubgraph']);
      expect(explained.planner).toBe('apollo');
      expect(explained.fallback).toEqual({ reason: 'hive-planner-error', detail: expect.stringContaining('Expected a single parent') });
      expect(fetchesOf(explained.plan.node as PlanNode).length).toBeGreaterThan(0);
    });

    it('logs a fallback once per operation and counts each', () => {
      const warnings: string[] = [];
      const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(JSON.parse(line).reason) } });
      const engine = createEngine({ supergraph: buildSupergraph(sdl), client, logger });
      const operation = { document: parse(fixture('05-requires-from-third-subgraph')), operationName: 'RequiresFromThirdSubgraph', queryHash: 'h05' };
      engine.preparePlan(operation);
      engine.preparePlan(operation);
      expect(engine.plannerFallbacks).toEqual({ 'hive-planner-error': 2 });
      expect(warnings).toEqual(['hive-planner-error']);
    });

    it('falls back where the hive plan would send one response key for two fields', () => {
      // Hive's plan selects `sku: name sku`, which the subgraph refuses ("fields conflict"). Apollo's plan
      // has its own known bug here (see the fixture), but answers like the apollo planner always did.
      const { planner, fellBack } = hivePlanner(sdl);
      plan(planner, fixture('41-alias-named-like-key'), 'AliasNamedLikeKey');
      expect(fellBack).toEqual(['AliasNamedLikeKey']);
    });

    it('leaves __schema and __type to the gateway: nothing to plan when only they and __typename remain', () => {
      const { planner, fellBack } = hivePlanner(sdl);
      expect(plan(planner, '{ __typename __schema { queryType { name } } }')).toEqual({ kind: 'QueryPlan' });
      expect(plan(planner, '{ __typename }')).toEqual({ kind: 'QueryPlan' });
      const mixed = fetchesOf(plan(planner, fixture('45-introspection-schema-and-variables')).node as PlanNode);
      expect(mixed.map((f) => [f.serviceName, f.operation])).toEqual([['products', '{search(term: "zzz"){__typename}}']]);
      expect(fellBack).toEqual([]);
    });

    it('plans every other fixture itself', () => {
      const { planner, fellBack } = hivePlanner(sdl);
      const names = readdirSync(FIXTURES)
        .filter((file) => file.endsWith('.graphql'))
        .map((file) => file.slice(0, -'.graphql'.length))
        .filter((name) => !['05-requires-from-third-subgraph', '41-alias-named-like-key'].includes(name));
      expect(names.length).toBeGreaterThanOrEqual(40);
      for (const name of names) {
        const metaPath = join(FIXTURES, `${name}.json`);
        const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as { operationName?: string }) : {};
        plan(planner, fixture(name), meta.operationName);
      }
      expect(fellBack).toEqual([]);
    });
  });

  describe('progressive @override', () => {
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';
    const withLabel = (label: string) =>
      composed([
        { name: 'a', sdl: `${link}\ntype Query { product: Product }\ntype Product @key(fields: "id") { id: ID! price: Int }` },
        { name: 'b', sdl: `${link}\ntype Product @key(fields: "id") { id: ID! price: Int @override(from: "a", label: "${label}") }` },
      ]);
    const fetchedFrom = (plan: QueryPlan) => JSON.stringify(plan).match(/"serviceName":"(\w+)"/g);

    it('plans percent(N) per band: the overriding subgraph while the roll is below N, the original from N on', () => {
      const { planner } = hivePlanner(withLabel('percent(50)'));
      expect(planner.overridePercentages).toEqual([50]);
      const document = parse('{ product { price } }');
      const [active, inactive] = overrideBands({ thresholds: [50] }).all;
      expect(fetchedFrom(planner.plan({ document, operationName: undefined, override: active }))).toEqual(['"serviceName":"a"', '"serviceName":"b"']);
      expect(fetchedFrom(planner.plan({ document, operationName: undefined, override: inactive }))).toEqual(['"serviceName":"a"']);
      // No band (atrium plan): nothing active.
      expect(fetchedFrom(planner.plan({ document, operationName: undefined }))).toEqual(['"serviceName":"a"']);
      expect(createEngine({ supergraph: buildSupergraph(withLabel('percent(50)')), client }).plannerName).toBe('hive');
    });

    it('refuses at startup custom labels, which only something outside the gateway could switch on', () => {
      const sdl = withLabel('my-flag');
      expect(() => hivePlanner(sdl)).toThrow(AtriumError);
      expect(() => hivePlanner(sdl)).toThrow(/progressive @override with custom labels \(my-flag\)/);
      // engine.planner auto (the default) plans such a supergraph with Apollo's planner instead.
      expect(createEngine({ supergraph: buildSupergraph(sdl), client }).plannerName).toBe('apollo');
      expect(() => createEngine({ supergraph: buildSupergraph(sdl), client, planner: 'hive' })).toThrow(/progressive @override/);
    });
  });

  it("passes no @fromContext argument, so operations selecting one go to Apollo's planner", () => {
    // Apollo's planner fetches the context's field and passes it as $contextualArgument_N_M through a
    // Fetch node's contextRewrites; Hive's (0.0.38) asks for the field without the argument, so the subgraph
    // would compute with null. When this starts failing, Hive's plans carry the context: revisit
    // (test/integration/engine/context-arguments.test.ts runs the Apollo path end to end).
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@context", "@fromContext"])';
    const sdl = composed([
      {
        name: 'accounts',
        sdl: `${link}
          type Query { user: User }
          type User @key(fields: "id") @context(name: "userContext") { id: ID! currency: String! cart: Cart! }
          type Cart @key(fields: "id") { id: ID! total(currency: String @fromContext(field: "$userContext { currency }")): String! }`,
      },
    ]);
    const hive = new (createRequire(import.meta.url)('@graphql-hive/router-query-planner') as typeof HivePlannerModule).QueryPlanner(sdl);
    expect(hive.plan('{ user { cart { total } } }', null, new Set(), 100)).toEqual({
      kind: 'QueryPlan',
      node: { kind: 'Fetch', serviceName: 'accounts', operationKind: 'query', operation: '{user{cart{total}}}' },
    });
    const engine = createEngine({ supergraph: buildSupergraph(sdl), client });
    expect(engine.plannerName).toBe('hive');
    const contextual = engine.explainPlan({ document: parse('{ user { cart { total } } }'), operationName: undefined });
    expect(contextual.planner).toBe('apollo');
    expect(contextual.fallback).toEqual({ reason: 'context-arguments', detail: 'Cart.total takes an argument @fromContext, which the hive planner does not pass' });
    expect(engine.explainPlan({ document: parse('{ user { currency } }'), operationName: undefined }).planner).toBe('hive');
  });

  it('is what engine.planner auto (the default) picks where it can run', () => {
    const supergraph = buildSupergraph(benchSupergraphSdl());
    expect(createEngine({ supergraph, client }).plannerName).toBe('hive');
    expect(createEngine({ supergraph, client, executor: 'apollo' }).plannerName).toBe('apollo');
    expect(createEngine({ supergraph, client, planner: 'apollo' }).plannerName).toBe('apollo');
  });

  it('refuses at startup a supergraph the hive planner cannot load, naming the alternative', () => {
    expect(() => createHivePlanner({ supergraphSdl: 'type Query {', fallback: () => ({ plan: () => ({ kind: 'QueryPlan' }) }) })).toThrow(
      /engine.planner "hive" cannot load this supergraph: [\s\S]*; engine.planner auto or apollo plans with the apollo planner instead$/,
    );
  });
});
