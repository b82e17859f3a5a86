import type { ResponsePath } from '@apollo/query-planner';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { isObject, type JsonObject } from './json-merge.js';
import type { AnswerOverlay } from './answer-overlay.js';
import type { ExecutePlanInput, IncrementalExecution, IncrementalPart, IncrementalPayload } from './planner-and-executor.js';
import type { ReservedResponseKeys } from './internal-aliases.js';
import { clientErrors, type PendingFragment, shapeDeferredFragment, shapeResult } from './result-shaping.js';

export interface IncrementalRunOptions {
  readonly input: ExecutePlanInput;
  readonly schema: GraphQLSchema;
  /** The merged subgraph data every phase writes into. */
  readonly data: JsonObject;
  /** What the phases merged into the subgraph answers, kept beside them (answer-overlay.ts); none: merged in place. */
  readonly overlay?: AnswerOverlay;
  readonly failedFetchPaths: ResponsePath[];
  /** The supergraph's reserved response keys (`ShapeInput.reservedResponseKeys`). */
  readonly reservedResponseKeys?: ReservedResponseKeys;
  /** The deepest defer level of the operation (at least 1). */
  readonly maxLevel: number;
  /** Runs the fetches of one phase (0: the primary selection), recording their errors in `errors`. */
  runPhase(phase: number, errors: GraphQLError[]): Promise<void>;
}

/**
 * Incremental delivery over a phased plan run: phase 0's fetches, then the primary selection shaped (the
 * deferred fragments set aside, one per object they apply to); each later phase starts as soon as the one
 * before it has fetched, and its payload shapes the fragments waiting at that level. A fetch error goes to
 * the fragment whose object holds its path (the first of the payload when none does), so each part
 * carries its own errors; null propagation inside a fragment stops at its object (`data: null`).
 * Fragments whose object did not make it into the response (nulled by an error) are dropped.
 */
export async function runIncrementally(options: IncrementalRunOptions): Promise<IncrementalExecution> {
  const { input, schema, data, overlay, failedFetchPaths, maxLevel, reservedResponseKeys } = options;
  const shapeBase = { schema, document: input.document, operation: input.operation, variables: input.variables, data, overlay, failedFetchPaths, reservedResponseKeys };
  const primaryErrors: GraphQLError[] = [];
  await options.runPhase(0, primaryErrors);
  const deferred: PendingFragment[] = [];
  const endShape = input.beginShape?.();
  const initial = shapeResult({ ...shapeBase, errors: primaryErrors, deferred });
  endShape?.();
  let waiting = deferred.filter((fragment) => isObject(valueAt(initial.data, fragment.path)));
  const initialResult = initial.errors.length > 0 ? { data: initial.data, errors: initial.errors } : { data: initial.data };
  if (waiting.length === 0) return { initial: initialResult };

  // Later phases fetch without waiting for the client to read the earlier payloads.
  const phases: Promise<GraphQLError[]>[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  for (let phase = 1; phase <= maxLevel; phase++) {
    const errors: GraphQLError[] = [];
    const run = previous.then(() => options.runPhase(phase, errors)).then(() => errors);
    run.catch(() => undefined);
    phases.push(run);
    previous = run;
  }

  async function* payloads(): AsyncGenerator<IncrementalPayload, undefined, undefined> {
    for (let phase = 1; waiting.length > 0; phase++) {
      const fetchErrors = phase <= maxLevel ? await phases[phase - 1]! : [];
      const errorsOf = waiting.map((): GraphQLError[] => []);
      for (const error of fetchErrors) errorsOf[ownerIndex(waiting, error.path)]!.push(error);
      const next: PendingFragment[] = [];
      const parts: IncrementalPart[] = waiting.map((fragment, i) => {
        const shapingErrors = errorsOf[i]!;
        const shaped = shapeDeferredFragment({ ...shapeBase, errors: shapingErrors, deferred: next }, fragment);
        const errors = clientErrors(shapeBase, shapingErrors);
        return { data: shaped, path: fragment.path, ...(fragment.label !== undefined && { label: fragment.label }), ...(errors.length > 0 && { errors }) };
      });
      waiting = next.filter((fragment) => {
        const part = parts.find((p) => isPrefix(p.path, fragment.path));
        return part !== undefined && isObject(valueAt(part.data, fragment.path.slice(part.path.length)));
      });
      yield { incremental: parts, hasNext: waiting.length > 0 };
    }
    return undefined;
  }
  return { initial: initialResult, subsequent: payloads() };
}

/** The index of the waiting fragment with the longest path that `path` (a fetch error's, in data keys) lies under (0 when none). */
function ownerIndex(waiting: readonly PendingFragment[], path: readonly (string | number)[] | undefined): number {
  let best = 0;
  let bestLength = -1;
  if (!path) return best;
  waiting.forEach((fragment, i) => {
    if (fragment.dataPath.length > bestLength && isPrefix(fragment.dataPath, path)) {
      best = i;
      bestLength = fragment.dataPath.length;
    }
  });
  return best;
}

function isPrefix(prefix: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

/** The value at a response path (undefined when the path leaves the data). */
export function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let at = data;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}
