import { createRequire } from 'node:module';
import type * as HivePlannerModule from '@graphql-hive/router-query-planner';
import { type DocumentNode, type GraphQLSchema, Kind, type OperationDefinitionNode, print, visit } from 'graphql';
import { AtriumError } from '../errors.js';
import { contextArgumentFields, selectedContextField } from './context-arguments.js';
import { convertHivePlan, UnsupportedHivePlanError } from './hive-plan.js';
import { measureDocument } from './measure-document.js';
import type { ExplainedPlan, ExplainingPlanner, PlannerFallbackReason } from './planner-fallback.js';
import type { PlanInput, QueryPlannerBackend } from './planner-and-executor.js';
import { NO_OVERRIDE_BAND } from './progressive-override.js';

export interface HivePlannerOptions {
  /** The supergraph SDL, as loaded. */
  readonly supergraphSdl: string;
  /** Plans what the Hive planner cannot (created on first use). */
  readonly fallback: () => QueryPlannerBackend;
  /**
   * The API schema, to find fields with `@fromContext` arguments in an operation: Hive's planner plans
   * them without the argument, so such operations go to `fallback` (reason `context-arguments`).
   */
  readonly apiSchema?: GraphQLSchema;
  /**
   * Largest operation (field selections, fragments expanded) handed to `fallback`; a larger one is refused
   * with QUERY_PLANNING_FAILED, since Apollo's planner would block the event loop for long. 0: no bound.
   * Default 100 (`engine.fallbackMaxSelections`).
   */
  readonly fallbackMaxSelections?: number;
}

/** Hive's words for an operation no path of the supergraph can serve: the client's answer, not a fallback. */
const UNPLANNABLE = /No paths found/i;

const require = createRequire(import.meta.url);

/**
 * The native planner, loaded on first use: its binary exists for Linux (glibc) and macOS on x64 and arm64
 * only, and a gateway that plans with Apollo must start anywhere (and not pay for loading it).
 */
function loadHivePlanner(): typeof HivePlannerModule.QueryPlanner {
  try {
    return (require('@graphql-hive/router-query-planner') as typeof HivePlannerModule).QueryPlanner;
  } catch (cause) {
    throw new AtriumError(
      'INTERNAL_SERVER_ERROR',
      `engine.planner "hive": the native planner does not load on ${process.platform}-${process.arch} (${(cause as Error).message}); engine.planner auto or apollo plans with the apollo planner instead`,
      { cause },
    );
  }
}

/** No custom progressive-override label is active (see the startup check below); percent(N) ones are by value. */
const NO_LABELS: ReadonlySet<string> = new Set();
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
/** How the native planner reports a document its parser refuses (for example past its recursion limit). */
const HIVE_PARSE_FAILURE = /^Failed to parse query/;

/**
 * The planner backend of `engine.planner: hive`: Hive Router's native query planner
 * (`@graphql-hive/router-query-planner`), whose plans batch entity fetches to the same subgraph at the
 * same depth into one request. Its plans are converted once per operation (`hive-plan.ts`).
 *
 * - Startup refuses, with the reason, a platform without the native binary, a supergraph the Hive planner
 *   cannot load, and one whose progressive `@override` uses custom labels. `percent(N)` labels are planned
 *   per request band (`PlanInput.override`, rolled by the engine); `overridePercentages` lists their N.
 * - An operation whose text the Hive planner's parser refuses (nested past its recursion limit) is
 *   refused with QUERY_PLANNING_FAILED, never handed to the fallback (whose time is exponential there).
 * - Per operation, an operation Hive's planner finds no path for ("No paths found") is refused with
 *   `QUERY_PLANNING_FAILED`: another planner's plan for it would be a different answer, not the same one.
 *   What the Hive path lacks — Hive's planner failing inside, or a plan with a construct the executor does
 *   not run — is planned by `fallback` (Apollo's planner); `explain` says which planner made a plan and why.
 * - `__schema`/`__type` are answered by the gateway itself: they are removed before planning (Hive's
 *   planner refuses them), and an operation left with only `__typename` at its root gets an empty plan.
 *
 * @example
 * const planner = createHivePlanner({ supergraphSdl: sdl, fallback: () => createApolloPlanner(supergraph) });
 * const plan = planner.plan({ document, operationName: 'TopProducts' });
 */
export function createHivePlanner(options: HivePlannerOptions): QueryPlannerBackend & ExplainingPlanner {
  const HiveQueryPlanner = loadHivePlanner();
  let planner: HivePlannerModule.QueryPlanner;
  try {
    planner = new HiveQueryPlanner(options.supergraphSdl);
  } catch (cause) {
    throw new AtriumError('INTERNAL_SERVER_ERROR', `engine.planner "hive" cannot load this supergraph: ${(cause as Error).message}; engine.planner auto or apollo plans with the apollo planner instead`, { cause });
  }
  if (planner.overrideLabels.length > 0) {
    // A custom label is switched on by something outside the gateway (Apollo Router: a coprocessor or
    // Rhai script); Atrium has no such switch, and Apollo's planner would keep them off too.
    throw new AtriumError(
      'INTERNAL_SERVER_ERROR',
      `engine.planner "hive" does not support progressive @override with custom labels (${planner.overrideLabels.join(', ')}), only percent(N); engine.planner auto or apollo plans with the apollo planner instead`,
    );
  }
  let fallback: QueryPlannerBackend | undefined;
  const contextFields = contextArgumentFields(options.supergraphSdl);
  const maxFallbackSelections = options.fallbackMaxSelections ?? 100;
  const explain = ({ document, operationName, override = NO_OVERRIDE_BAND }: PlanInput): ExplainedPlan => {
    const planned = withoutIntrospection(document, operationName);
    if (planned === undefined) return { plan: { kind: 'QueryPlan' }, planner: 'hive' };
    let reason: PlannerFallbackReason;
    let detail: string;
    const contextual = options.apiSchema && selectedContextField(planned, options.apiSchema, contextFields);
    if (contextual) {
      // Hive's planner (0.0.38) asks for such a field without its argument (the subgraph would compute
      // with null); Apollo's fetches the context and passes it (contextRewrites, run by the executor).
      reason = 'context-arguments';
      detail = `${contextual} takes an argument @fromContext, which the hive planner does not pass`;
    } else {
      try {
        const hivePlan = planner.plan(print(planned), operationName, NO_LABELS as Set<string>, override.percentageValue);
        return { plan: convertHivePlan(hivePlan), planner: 'hive' };
      } catch (error) {
        detail = (error as Error).message;
        if (error instanceof UnsupportedHivePlanError) {
          reason = error.reason;
        } else if (HIVE_PARSE_FAILURE.test(detail)) {
          // Hive's parser refusing the text (its recursion limit: nesting, inline fragments included) is no
          // capability gap: Apollo's planner, handed such an operation, grows exponentially with the nesting
          // of entity boundaries (seconds at depth 18 on the demo graph, out of memory at 50). Refuse it.
          throw new AtriumError('QUERY_PLANNING_FAILED', 'the operation nests too deeply for the query planner', { cause: error });
        } else if (UNPLANNABLE.test(detail)) {
          throw new AtriumError('QUERY_PLANNING_FAILED', `the query planner found no way to plan this operation: ${detail}`, { cause: error });
        } else {
          reason = 'hive-planner-error';
        }
      }
    }
    // The limits plugin measured (and bounded) the same count before validation; remembered per document.
    const { selections } = measureDocument(planned);
    if (maxFallbackSelections > 0 && selections > maxFallbackSelections) {
      throw new AtriumError(
        'QUERY_PLANNING_FAILED',
        `the operation needs the fallback planner (${reason}), which plans operations of at most ${maxFallbackSelections} field selections; this one has ${selections}`,
        { extensions: { limit: 'engine.fallbackMaxSelections', max: maxFallbackSelections, actual: selections } },
      );
    }
    fallback ??= options.fallback();
    return { plan: fallback.plan({ document, operationName, override }), planner: 'apollo', fallback: { reason, detail } };
  };
  return { explain, plan: (input) => explain(input).plan, overridePercentages: Object.freeze([...planner.overridePercentages]) };
}

/**
 * The document without `__schema`/`__type` fields (valid only on the query root, where the gateway
 * answers them from the API schema); `undefined` when the selected operation's root is left with nothing
 * but `__typename`, which needs no subgraph either.
 */
function withoutIntrospection(document: DocumentNode, operationName: string | undefined): DocumentNode | undefined {
  let found = false;
  const stripped = visit(document, {
    Field(node) {
      if (!INTROSPECTION_FIELDS.has(node.name.value)) return undefined;
      found = true;
      return null;
    },
  });
  const operation = stripped.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || d.name?.value === operationName),
  );
  const needsSubgraph = operation?.selectionSet.selections.some((s) => s.kind !== Kind.FIELD || s.name.value !== '__typename');
  if (!needsSubgraph) return undefined;
  return found ? stripped : document;
}

