import type { ExecutionResult, GraphQLError } from 'graphql';
import { deepMerge, isObject, type JsonObject } from './json-merge.js';
import { valueAt } from './incremental-execution.js';
import type { IncrementalExecution, IncrementalPart, IncrementalPayload } from './planner-and-executor.js';

/** A later payload as the engine answers it: the executor's parts, after the response hooks. */
export interface SubsequentResult extends IncrementalPayload {
  /** Set on the last payload when a response hook added extensions (for example `cost`). */
  readonly extensions?: Record<string, unknown>;
}

/** What the engine answers for an operation delivered in parts. */
export interface IncrementalResponse {
  readonly initial: ExecutionResult;
  readonly subsequent: AsyncGenerator<SubsequentResult, undefined, undefined>;
}

/**
 * The response hooks over an incremental answer: they run once per payload on the response merged so far
 * (data of every part delivered at its path, every error), with `hasNext`, so a hook that rewrites data
 * (authorization's nulls) reaches deferred fields, and one that settles the request (cost refunds, the
 * response cache) does it once, on the last. Each part's data is then read back from the merged response.
 * The operation hooks' errors (removed fields) go to the first payload that holds their field.
 */
export function deliverIncrementally(options: {
  readonly run: Required<IncrementalExecution>;
  /** The operation hooks' errors. */
  readonly early: readonly GraphQLError[];
  /** Runs the response hooks over a result (with `early` errors added); returns what they made of it. */
  respond(result: ExecutionResult, early: readonly GraphQLError[], hasNext: boolean): Promise<ExecutionResult>;
}): Promise<IncrementalResponse> {
  const { run, respond } = options;
  let held = options.early.filter((error) => error.path && !holdsKey(run.initial.data, error.path));
  return respond(run.initial, options.early.filter((error) => !held.includes(error)), true).then((initial) => {
    let merged = initial.data as JsonObject | null | undefined;
    const errors = [...(initial.errors ?? [])];
    async function* subsequent(): AsyncGenerator<SubsequentResult, undefined, undefined> {
      for await (const payload of run.subsequent) {
        const parts = payload.incremental;
        for (const part of parts) {
          const at = valueAt(merged, part.path);
          if (part.data && isObject(at)) deepMerge(at, part.data);
        }
        held = held.filter((error) => {
          const part = ownerOf(parts, error.path!) ?? (payload.hasNext ? undefined : parts[0]);
          if (part) (part.errors ??= []).push(error);
          return part === undefined;
        });
        for (const part of parts) errors.push(...(part.errors ?? []));
        const view = await respond({ data: merged, errors }, [], payload.hasNext);
        merged = view.data as JsonObject | null | undefined;
        for (const part of parts) {
          if (part.data) part.data = project(part.data, valueAt(merged, part.path)) as JsonObject | null;
        }
        const extensions = payload.hasNext ? undefined : view.extensions;
        yield { incremental: parts, hasNext: payload.hasNext, ...(extensions && { extensions }) };
      }
      return undefined;
    }
    return { initial, subsequent: subsequent() };
  });
}

/** The part whose data holds the field at `path` (the one with the longest path). */
function ownerOf(parts: readonly IncrementalPart[], path: readonly (string | number)[]): IncrementalPart | undefined {
  let owner: IncrementalPart | undefined;
  for (const part of parts) {
    if (part.path.length > path.length || part.path.some((key, i) => path[i] !== key)) continue;
    if (!holdsKey(part.data, path.slice(part.path.length))) continue;
    if (!owner || part.path.length > owner.path.length) owner = part;
  }
  return owner;
}

/**
 * Whether `data` has a value (null included) at `path`; a field name met at a list looks into its items,
 * since error paths of removed fields do not name list indexes.
 */
function holdsKey(data: unknown, path: readonly (string | number)[]): boolean {
  if (path.length === 0) return data !== undefined;
  if (Array.isArray(data) && typeof path[0] === 'string') return data.some((item) => holdsKey(item, path));
  if (data === null || typeof data !== 'object') return false;
  const [key, ...rest] = path;
  return holdsKey((data as Record<string | number, unknown>)[key!], rest);
}

/** `source` cut to the keys `shape` has (a part's own fields, as the response hooks left them). */
function project(shape: unknown, source: unknown): unknown {
  if (Array.isArray(shape) && Array.isArray(source)) return shape.map((item, i) => project(item, source[i]));
  if (isObject(shape) && isObject(source)) {
    const out: JsonObject = {};
    for (const key of Object.keys(shape)) {
      if (source[key] !== undefined) out[key] = project(shape[key], source[key]);
    }
    return out;
  }
  return source === undefined ? null : source;
}
