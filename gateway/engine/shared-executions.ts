import type { ExecutionResult } from 'graphql';
import type { RequestContext } from '../request-context.js';
import { canonicalValue, joinWork, keyedHeaders, PER_REQUEST_HEADERS, type SharedWork } from '../subgraph-client/shared-requests.js';

/**
 * Which client request headers tell two executions apart (`engine.dedupe.headers`): every header
 * (`undefined`), or only the listed lower-case names (`[]`: none).
 */
export type ExecutionSharingHeaders = readonly string[] | undefined;

/** Headers that differ between identical requests without saying anything about what they ask. */
const IGNORED_HEADERS: ReadonlySet<string> = new Set([...PER_REQUEST_HEADERS, 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

/** What the execution gave, and the response headers it set on the context of the request that ran it. */
interface Outcome {
  readonly result: ExecutionResult;
  readonly headers: readonly [string, string | string[]][];
  /** Waiters that have not taken their copy yet. */
  untaken: number;
}

interface SharedExecution extends SharedWork<Outcome> {
  readonly leader: RequestContext;
  /** The execution has ended: a request arriving now starts its own (the copies are counted). */
  settled: boolean;
}

/**
 * Inbound deduplication (`engine.dedupe`): identical queries in flight at the same time share one
 * execution of their plan, and each gets the result. Everything before execution (authentication, the
 * operation hooks — authorization —, planning, cost and quota) and after it (the response hooks) still
 * runs for every request; only the subgraph fetches, merging and shaping are done once.
 *
 * Identical means: the same plan (the same document after the operation hooks, the same progressive
 * override roll), the same coerced variables, the same principal, and the same values of the headers
 * `engine.dedupe.headers` names (all of them by default, except per-request ids, trace context and
 * framing). The execution runs with the context of the request that started it: its headers go to the
 * subgraphs, its hooks see the fetches, and the response headers they set are copied to the others.
 *
 * Every waiter gets its own copy of the result, since response hooks (authorization nulls) write into it:
 * copies are made for all but the last waiter to take one, which gets the execution's own result, so no
 * hook writes into it before every copy exists.
 */
export class SharedExecutions {
  readonly #inFlight = new Map<string, SharedExecution>();

  constructor(private readonly headers: ExecutionSharingHeaders) {}

  /** The sharing key of one prepared query. */
  key(context: RequestContext, planKey: string, variables: Readonly<Record<string, unknown>>): string {
    const principal = context.principal === undefined ? '' : JSON.stringify(canonicalValue(context.principal));
    return `${planKey}\u0000${JSON.stringify(variables)}\u0000${principal}\u0000${this.#headerPart(context)}`;
  }

  /**
   * Joins the identical execution in flight under `key`, or starts one with `execute`. A waiter whose
   * signal fires leaves alone; the execution is aborted only when no waiter is left.
   */
  async run(key: string, context: RequestContext, execute: (signal: AbortSignal) => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const start = (controller: AbortController): SharedExecution => {
      const before = new Set(context.responseHeaders.keys());
      const entry: SharedExecution = {
        result: execute(controller.signal).then(
          (result) => {
            entry.settled = true;
            // Before any waiter's callback: the count of those about to take their copy.
            return { result, headers: [...context.responseHeaders].filter(([name]) => !before.has(name)), untaken: entry.waiters };
          },
          (error: unknown) => {
            entry.settled = true;
            throw error;
          },
        ),
        controller,
        waiters: 0,
        leader: context,
        settled: false,
      };
      return entry;
    };
    const { work: joined, result } = joinWork<Outcome, SharedExecution>(this.#inFlight, key, context.signal, start, (work) => !work.settled);
    const outcome = await result;
    if (joined.leader !== context) {
      context.sharedExecution = true;
      for (const [name, value] of outcome.headers) if (!context.responseHeaders.has(name)) context.responseHeaders.set(name, value);
    }
    outcome.untaken--;
    return outcome.untaken <= 0 ? outcome.result : copyOf(outcome.result);
  }

  #headerPart(context: RequestContext): string {
    const { headers } = this;
    const all = context.http.headers;
    if (headers === undefined) return JSON.stringify(keyedHeaders(all, IGNORED_HEADERS));
    return headers.length === 0 ? '' : JSON.stringify(headers.map((name) => all[name] ?? null));
  }
}

/** A result a response hook may write into without touching `result`: its data copied, its lists new. */
function copyOf(result: ExecutionResult): ExecutionResult {
  return {
    ...result,
    ...(result.data !== undefined && { data: structuredClone(result.data) }),
    ...(result.errors && { errors: [...result.errors] }),
    ...(result.extensions && { extensions: structuredClone(result.extensions) }),
  };
}
