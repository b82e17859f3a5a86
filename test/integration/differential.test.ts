/**
 * Differential tests: Atrium's plan executor must answer every operation in test/fixtures/operations
 * exactly like `@apollo/gateway`'s `executeQueryPlan` (the oracle), both behind the real gateway over HTTP,
 * over the five demo subgraphs, with the same planner and the same plans. A second variant runs Atrium's
 * executor on the plans of the hive planner (`engine.planner: hive`: other fetches, batched entity
 * requests) against the same oracle and the same golden files: the planner must not change any answer.
 *
 * Compared per fixture: the HTTP status; `data` as JSON text (values and key order); response extensions;
 * and `errors` after the normalisation below. Every rule is a documented by-design difference of Apollo's
 * executor, and nothing else is normalised:
 *
 * 1. Apollo's `extensions.valueCompletion` entries count as errors: when no fetch failed, Apollo reports
 *    completion errors ("Cannot return null for non-nullable ...") there; Atrium puts them in `errors` as
 *    the GraphQL spec says (https://spec.graphql.org/October2021/#sec-Handling-Field-Errors).
 * 2. Completion errors are compared by message and path only: Apollo tags them INVALID_GRAPHQL, Atrium
 *    leaves the code to Apollo Server, which gives INTERNAL_SERVER_ERROR.
 * 3. When Apollo's response has errors, Atrium's completion errors are dropped: Apollo discards all
 *    completion errors once any fetch failed; Atrium still reports the nulls that no fetch error explains
 *    (the golden files keep them).
 * 4. `extensions.code` DOWNSTREAM_SERVICE_ERROR (Apollo) reads as SUBGRAPH_ERROR (Atrium): the default code
 *    of a subgraph error that has none.
 * 5. Errors are compared as a set, sorted by path and message, and key order inside an error is ignored:
 *    both executors list fetch errors in arrival order, and parallel fetches arrive in any order.
 * 6. A failed fetch's error (a gateway code other than SUBGRAPH_ERROR, with `serviceName`) is compared
 *    without its path: Apollo's has none, Atrium's has the path of the objects the fetch should have filled
 *    (the golden files keep it).
 *
 * A fixture is `NN-name.graphql` plus an optional `NN-name.json` (see {@link FixtureMeta}). Atrium's answer
 * must also be non-trivial (data, or exactly the error codes the fixture expects) and match its golden file
 * in `__golden__/` (errors sorted as in rule 5). `UPDATE_GOLDEN=1` writes missing and changed golden files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetDemoData, startDemoSubgraphs } from '../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, type GraphQLHttpResult, startDemoGateway } from '../helpers/demo-gateway.js';
import { type FederationGateway, type FederationGraph, startFederationGraph } from '../helpers/federation-graph.js';
import { frozenAnswersPlugin } from '../helpers/frozen-answers.js';

/** Options for a gateway whose executor gets every subgraph answer deep-frozen (helpers/frozen-answers.ts). */
const frozenAnswers = { plugins: [frozenAnswersPlugin()], withBuiltInPlugins: true };

/** What a fixture's optional JSON file may say; unknown keys are refused so a typo cannot pass silently. */
interface FixtureMeta {
  /** One line on what the fixture covers, when the comment in the .graphql is not enough. */
  description?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Subgraphs whose URL points at a closed port for this fixture. */
  down?: string[];
  /** `extensions.code`s Atrium's errors must have (as a set); without it the answer must have no error. */
  expectedErrorCodes?: string[];
  /** Why Apollo's executor is known to answer differently; the test then asserts that it still does. */
  oracleDiverges?: string;
}

interface Fixture {
  name: string;
  query: string;
  meta: FixtureMeta;
}

const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'operations');
const GOLDEN_DIR = join(FIXTURE_DIR, '__golden__');
const META_KEYS = new Set(['description', 'variables', 'operationName', 'down', 'expectedErrorCodes', 'oracleDiverges']);
/** Nothing listens on the discard port: connecting is refused at once. */
const CLOSED_PORT_URL = 'http://127.0.0.1:9/graphql';
const COMPLETION_ERROR = /^Cannot return null for non-nullable /;
const updateGolden = process.env.UPDATE_GOLDEN === '1';

function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => /^\d{2}-[a-z0-9-]+\.graphql$/.test(file))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.graphql'.length);
      const metaPath = join(FIXTURE_DIR, `${name}.json`);
      const meta: FixtureMeta = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) : {};
      const unknown = Object.keys(meta).filter((key) => !META_KEYS.has(key));
      if (unknown.length > 0) throw new Error(`${name}.json: unknown keys ${unknown.join(', ')}`);
      return { name, query: readFileSync(join(FIXTURE_DIR, file), 'utf8'), meta };
    });
}

type JsonError = { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> };

const byPathAndMessage = (a: JsonError, b: JsonError): number => {
  const key = (e: JsonError) => `${JSON.stringify(e.path ?? [])}\u0000${e.message}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
};

/** The body with its errors in canonical order (rule 5): what golden files hold. */
function canonicalBody(body: any): any {
  return body.errors ? { ...body, errors: [...body.errors].sort(byPathAndMessage) } : body;
}

/** Status, data text, other extensions and normalised errors: the parts that must be equal. */
function comparable(result: GraphQLHttpResult, executor: 'atrium' | 'apollo', apolloHasErrors: boolean) {
  const { errors = [], data, extensions = {}, ...rest } = result.body as {
    errors?: JsonError[];
    data?: unknown;
    extensions?: Record<string, unknown>;
  };
  const { valueCompletion = [], ...otherExtensions } = extensions as { valueCompletion?: JsonError[] };
  let all: JsonError[] = [...errors, ...valueCompletion]; // rule 1
  if (executor === 'atrium' && apolloHasErrors) all = all.filter((e) => !COMPLETION_ERROR.test(e.message)); // rule 3
  const normalised = all
    .map((error): JsonError => {
      if (COMPLETION_ERROR.test(error.message)) return { message: error.message, path: error.path }; // rule 2
      if (error.extensions?.serviceName !== undefined && !['SUBGRAPH_ERROR', 'DOWNSTREAM_SERVICE_ERROR'].includes(String(error.extensions.code))) {
        const { path: _path, ...withoutPath } = error;
        return withoutPath; // rule 6
      }
      if (error.extensions?.code === 'DOWNSTREAM_SERVICE_ERROR') {
        return { ...error, extensions: { ...error.extensions, code: 'SUBGRAPH_ERROR' } }; // rule 4
      }
      return error;
    })
    .sort(byPathAndMessage); // rule 5
  return {
    status: result.status,
    data: JSON.stringify(data, null, 2),
    extensions: otherExtensions,
    otherKeys: rest,
    errors: normalised,
  };
}

function errorCodes(body: any): string[] {
  return [...new Set<string>((body.errors ?? []).map((e: JsonError) => String(e.extensions?.code)))].sort();
}

function hasData(data: unknown): boolean {
  return typeof data === 'object' && data !== null && Object.values(data).some((value) => value !== null);
}

const fixtures = loadFixtures();

/** The gateways under test, each compared with the oracle (Apollo's planner and executor). */
const VARIANTS = {
  atrium: { executor: 'atrium', planner: 'apollo' },
  'atrium-hive-planner': { executor: 'atrium', planner: 'hive' },
  apollo: { executor: 'apollo', planner: 'apollo' },
} as const;
type Variant = keyof typeof VARIANTS;

describe('Atrium executor vs @apollo/gateway executor over the demo subgraphs', () => {
  let subgraphs: DemoSubgraphs;
  /** Gateways keyed by executor and the subgraphs pointed at a closed port. */
  const gateways = new Map<string, DemoGateway>();
  const gatewayKey = (variant: string, down: readonly string[]) => `${variant}:${[...down].sort().join(',')}`;

  beforeAll(async () => {
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    const downSets = new Map(fixtures.map((f) => [gatewayKey('', f.meta.down ?? []), f.meta.down ?? []]));
    const starts: Promise<void>[] = [];
    for (const down of downSets.values()) {
      for (const [variant, engine] of Object.entries(VARIANTS)) {
        const traffic = { subgraphs: Object.fromEntries(down.map((name) => [name, { url: CLOSED_PORT_URL }])) };
        starts.push(
          // Atrium's executor gets frozen answers: it must never write into one (it may be shared).
          startDemoGateway({ subgraphs, config: { engine, traffic }, ...(engine.executor === 'atrium' && frozenAnswers) }).then((gateway) => {
            gateways.set(gatewayKey(variant, down), gateway);
          }),
        );
      }
    }
    await Promise.all(starts);
    await mkdir(GOLDEN_DIR, { recursive: true });
  });

  afterAll(async () => {
    await Promise.all([...gateways.values()].map((gateway) => gateway.close()));
    await subgraphs?.close();
  });

  it('has the fixtures the suite is built on', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(32);
  });

  const tested: readonly Exclude<Variant, 'apollo'>[] = ['atrium', 'atrium-hive-planner'];
  for (const fixture of fixtures) for (const variant of tested) {
    const { meta } = fixture;
    it(variant === 'atrium' ? fixture.name : `${fixture.name} (${variant})`, async () => {
      const down = meta.down ?? [];
      const request = { query: fixture.query, variables: meta.variables, operationName: meta.operationName };
      // Each executor starts from the seed data, so mutations see the same state in both.
      resetDemoData();
      const atrium = await gateways.get(gatewayKey(variant, down))!.send(request);
      resetDemoData();
      const apollo = await gateways.get(gatewayKey('apollo', down))!.send(request);
      resetDemoData();

      // Non-trivial: an empty or failed pair must not pass as "equal".
      expect(atrium.body, 'Atrium answered no JSON body').toBeTypeOf('object');
      expect(errorCodes(atrium.body), 'error codes of the Atrium response').toEqual([...(meta.expectedErrorCodes ?? [])].sort());
      if (!meta.expectedErrorCodes) expect(hasData(atrium.body.data), 'Atrium answered no data').toBe(true);

      const apolloHasErrors = (apollo.body?.errors?.length ?? 0) > 0;
      const ours = comparable(atrium, 'atrium', apolloHasErrors);
      const oracle = comparable(apollo, 'apollo', apolloHasErrors);
      if (meta.oracleDiverges) {
        // Known oracle bug: when Apollo starts agreeing, drop `oracleDiverges` from the fixture.
        expect(ours, `Apollo now agrees; remove oracleDiverges (${meta.oracleDiverges})`).not.toEqual(oracle);
      } else {
        expect(ours.status).toBe(oracle.status);
        expect(ours.data).toBe(oracle.data);
        expect(ours.extensions).toEqual(oracle.extensions);
        expect(ours.otherKeys).toEqual(oracle.otherKeys);
        expect(ours.errors).toEqual(oracle.errors);
      }

      const goldenPath = join(GOLDEN_DIR, `${fixture.name}.json`);
      const golden = `${JSON.stringify({ status: atrium.status, body: canonicalBody(atrium.body) }, null, 2)}\n`;
      const stored = existsSync(goldenPath) ? readFileSync(goldenPath, 'utf8') : undefined;
      if (updateGolden && variant === 'atrium' && stored !== golden) {
        writeFileSync(goldenPath, golden);
      } else {
        expect(stored, `no golden file ${goldenPath}: run with UPDATE_GOLDEN=1 to write it`).toBeDefined();
        expect(golden).toBe(stored);
      }
    });
  }
});

/**
 * Federation fixtures (test/fixtures/federation/): each is a graph of its own over real HTTP subgraphs and
 * names the federation rule it checks. Every operation has a hand-written right answer (`expected`, from
 * the spec), which both of Atrium's planners and Apollo's executor must give — `data` exactly, errors as
 * the set of path, code and subgraph — unless the fixture records why one of them is known to answer
 * differently (`oracleDiverges`, `apolloPlannerDiverges`; the test then asserts it still does). The
 * default mode (Hive's planner) must plan every operation without falling back to Apollo's planner, and
 * its whole answer is pinned in `__golden__/<fixture>.json`.
 */
const FEDERATION_DIR = join(import.meta.dirname, '..', 'fixtures', 'federation');
const federationFixtures = readdirSync(FEDERATION_DIR)
  .filter((file) => /^\d{2}-[a-z0-9-]+\.ts$/.test(file))
  .sort()
  .map((file) => file.slice(0, -'.ts'.length));

const ORACLE_CODES: Record<string, string> = { DOWNSTREAM_SERVICE_ERROR: 'SUBGRAPH_ERROR', INVALID_GRAPHQL: 'RESPONSE_VALIDATION_FAILED' };
type FederationVariant = 'atrium-hive-planner' | 'atrium-apollo-planner' | 'apollo';
const FEDERATION_VARIANTS: Record<FederationVariant, { executor: string; planner: string }> = {
  'atrium-hive-planner': { executor: 'atrium', planner: 'hive' },
  'atrium-apollo-planner': { executor: 'atrium', planner: 'apollo' },
  apollo: { executor: 'apollo', planner: 'apollo' },
};

/**
 * What `expected` decides: status, data as JSON text, errors as sorted (path, code, subgraph), and the
 * response extensions it names (a plugin's, like `cost`), by value. Apollo's
 * executor reports value-completion errors in `extensions.valueCompletion` with code INVALID_GRAPHQL and its
 * default subgraph-error code is DOWNSTREAM_SERVICE_ERROR: read as Atrium's RESPONSE_VALIDATION_FAILED and
 * SUBGRAPH_ERROR (the same errors under the names of docs/errors.md).
 */
function specView(result: GraphQLHttpResult, expected: { status: number; extensions?: Readonly<Record<string, unknown>> }) {
  const { errors = [], data = null, extensions = {} } = result.body ?? {};
  const expectedStatus = expected.status;
  const all: JsonError[] = [...errors, ...((extensions as { valueCompletion?: JsonError[] }).valueCompletion ?? [])];
  return {
    status: result.status === expectedStatus ? 'as expected' : result.status,
    data: JSON.stringify(data, null, 2),
    errors: all
      .map((e) => ({
        path: e.path,
        code: ORACLE_CODES[String(e.extensions?.code)] ?? e.extensions?.code,
        serviceName: e.extensions?.serviceName,
      }))
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    ...(expected.extensions && {
      extensions: Object.fromEntries(Object.keys(expected.extensions).map((key) => [key, (extensions as Record<string, unknown>)[key]])),
    }),
  };
}

for (const name of federationFixtures) {
  describe(`federation fixture ${name}`, async () => {
    const { default: fixture } = (await import(join(FEDERATION_DIR, `${name}.ts`))) as {
      default: import('../fixtures/federation/federation-fixture.js').FederationFixture;
    };
    let graph: FederationGraph;
    const gateways = {} as Record<FederationVariant, FederationGateway>;
    const goldenPath = join(FEDERATION_DIR, '__golden__', `${name}.json`);
    const stored = existsSync(goldenPath) ? JSON.parse(readFileSync(goldenPath, 'utf8')) : {};
    const written: Record<string, unknown> = {};

    beforeAll(async () => {
      graph = await startFederationGraph(fixture.subgraphs);
      const traffic = { subgraphs: Object.fromEntries((fixture.down ?? []).map((subgraph) => [subgraph, { url: CLOSED_PORT_URL }])) };
      for (const [variant, engine] of Object.entries(FEDERATION_VARIANTS)) {
        gateways[variant as FederationVariant] = await graph.startGateway(
          { ...fixture.config, engine, traffic },
          engine.executor === 'atrium' ? { plugins: [frozenAnswersPlugin()] } : undefined,
        );
      }
    });
    afterAll(async () => {
      if (updateGolden && Object.keys(written).length > 0) writeFileSync(goldenPath, `${JSON.stringify(written, null, 2)}\n`);
      await graph?.close();
    });

    it(`names its rule: ${fixture.rule.slice(0, 80)}`, () => {
      expect(fixture.rule.length).toBeGreaterThan(20);
      expect(fixture.operations.length).toBeGreaterThan(0);
    });

    for (const operation of fixture.operations) {
      it(operation.name, async () => {
        const request = { query: operation.query, variables: operation.variables };
        const status = operation.expected.status ?? 200;
        const decides = { status, extensions: operation.expected.extensions };
        const expected = specView(
          {
            status,
            headers: new Headers(),
            text: '',
            body: {
              data: operation.expected.data,
              errors: operation.expected.errors?.map((e) => ({ message: '', path: e.path, extensions: { code: e.code, serviceName: e.serviceName } })),
              extensions: operation.expected.extensions,
            },
          },
          decides,
        );
        const answers = {} as Record<FederationVariant, GraphQLHttpResult>;
        for (const variant of Object.keys(FEDERATION_VARIANTS) as FederationVariant[]) answers[variant] = await gateways[variant].send(request, operation.headers);

        expect(specView(answers['atrium-hive-planner'], decides), 'Atrium on Hive\'s plans (the default)').toEqual(expected);
        const divergences: [FederationVariant, string | undefined][] = [
          ['atrium-apollo-planner', operation.apolloPlannerDiverges],
          ['apollo', operation.oracleDiverges ?? operation.apolloPlannerDiverges],
        ];
        for (const [variant, divergence] of divergences) {
          if (divergence) expect(specView(answers[variant], decides), `${variant} now answers right; drop the divergence (${divergence})`).not.toEqual(expected);
          else expect(specView(answers[variant], decides), variant).toEqual(expected);
        }
        expect(gateways['atrium-hive-planner'].gateway.supergraph.engine?.plannerFallbacks ?? {}, 'fallbacks to Apollo\'s planner').toEqual({});

        const golden = { status: answers['atrium-hive-planner'].status, body: canonicalBody(answers['atrium-hive-planner'].body) };
        written[operation.name] = golden;
        if (!updateGolden) expect(golden, `golden ${goldenPath}: run with UPDATE_GOLDEN=1 to write it`).toEqual(stored[operation.name]);
      });
    }
  });
}
