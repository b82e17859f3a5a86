import { type ComposeInput, type CompositionProblem, composeSubgraphs } from '../supergraph/compose.js';
import { buildSupergraph, type LoadedSupergraph } from '../supergraph/build-supergraph.js';
import { overlaySubgraphs } from '../supergraph/supergraph-provider.js';
import type { SchemaCheck } from './schema-checks.js';
import { diffApiSchemas, type SchemaChange } from './schema-diff.js';
import { diffSupergraphs } from './supergraph-diff.js';

/** Everything the checks found about one candidate subgraph schema. */
export interface SubgraphCheckReport {
  /** True when the candidate may go live (with `allowBreaking`, breaking changes do not refuse it). */
  readonly ok: boolean;
  readonly subgraph: string;
  /** Composition errors with the candidate, each naming subgraph, file and line:column. */
  readonly compositionErrors: readonly CompositionProblem[];
  /** The API schema diff against the live one: breaking, dangerous and safe changes. */
  readonly changes: readonly SchemaChange[];
  /** Whether breaking changes were allowed for this run. */
  readonly allowBreaking: boolean;
  /** Problems reported by feature checks (REST routes, trusted documents, ...), prefixed by the check name. */
  readonly checkProblems: readonly string[];
  /** The supergraph SDL the candidate composes into (when it composes). */
  readonly supergraphSdl?: string;
}

export interface CheckSubgraphOptions {
  /** The live subgraphs (supergraph.yaml with the published versions over it). */
  readonly live: readonly ComposeInput[];
  readonly candidate: ComposeInput;
  readonly checks?: readonly SchemaCheck[];
  readonly allowBreaking?: boolean;
}

/**
 * Runs every check a subgraph schema must pass before it goes live: it composes with the other live
 * subgraphs; the resulting API schema has no breaking change against the live one (unless allowed); and
 * every feature check still passes against it. The same function serves a publish, the admin API's dry run
 * and `atrium check`, so they always agree.
 *
 * @example
 * const report = await checkSubgraph({ live, candidate: { name: 'products', url, sdl, sourceName: 'products.graphql' } });
 * if (!report.ok) console.log(formatCheckReport(report));
 */
export async function checkSubgraph(options: CheckSubgraphOptions): Promise<SubgraphCheckReport> {
  const { live, candidate } = options;
  const allowBreaking = options.allowBreaking ?? false;
  const base = { subgraph: candidate.name, allowBreaking };
  const composed = composeSubgraphs(overlaySubgraphs(live, [candidate]));
  if ('errors' in composed) {
    return { ...base, ok: false, compositionErrors: composed.errors, changes: [], checkProblems: [] };
  }
  let loaded: LoadedSupergraph;
  try {
    loaded = buildSupergraph(composed.supergraphSdl);
  } catch (error) {
    const problem = { code: 'UNSUPPORTED_SUPERGRAPH', message: (error as Error).message, locations: [] };
    return { ...base, ok: false, compositionErrors: [problem], changes: [], checkProblems: [] };
  }
  const { apiSchema } = loaded;
  const liveSupergraph = supergraphOf(live);
  const changes = liveSupergraph ? [...diffApiSchemas(liveSupergraph.apiSchema, apiSchema), ...diffSupergraphs(liveSupergraph, loaded)] : [];
  const checkProblems: string[] = [];
  for (const check of options.checks ?? []) {
    try {
      const problems = await check.check({ apiSchema, supergraphSdl: composed.supergraphSdl });
      checkProblems.push(...problems.map((problem) => `${check.name}: ${problem}`));
    } catch (error) {
      checkProblems.push(`${check.name}: the check failed: ${(error as Error).message}`);
    }
  }
  const breaking = changes.some((change) => change.severity === 'breaking');
  return {
    ...base,
    ok: (allowBreaking || !breaking) && checkProblems.length === 0,
    compositionErrors: [],
    changes,
    checkProblems,
    supergraphSdl: composed.supergraphSdl,
  };
}

/** The supergraph of the live subgraphs, or undefined when they do not compose (nothing to diff against). */
function supergraphOf(live: readonly ComposeInput[]): LoadedSupergraph | undefined {
  if (live.length === 0) return undefined;
  const composed = composeSubgraphs(live);
  if ('errors' in composed) return undefined;
  try {
    return buildSupergraph(composed.supergraphSdl);
  } catch {
    return undefined;
  }
}
