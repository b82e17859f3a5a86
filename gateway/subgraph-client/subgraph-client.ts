import { performance } from 'node:perf_hooks';
import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import { mayWriteResponse, ownAnswer } from './shared-answers.js';
import type { SubgraphHealth } from './subgraph-health.js';
import type {
  SubgraphClient,
  SubgraphEventStream,
  SubgraphFetchDoneHook,
  SubgraphFetchDonePayload,
  SubgraphFetchHook,
  SubgraphFetchPolicy,
  SubgraphRequest,
  SubgraphResponse,
  SubgraphSubscriptionTransport,
  SubgraphTransport,
} from './contracts.js';

/** Options of {@link createSubgraphClient}. */
export interface SubgraphClientOptions {
  transport: SubgraphTransport;
  /** Per-subgraph timeout in ms, read for every fetch (keep it a lookup). 0 or Infinity: no timeout. */
  timeoutMs(subgraph: string): number;
  /**
   * Traffic policy of a subgraph (header rules, instances, retries, breaker, shadow), read for every fetch
   * (keep it a lookup); `undefined` for a subgraph without one.
   */
  policy?(subgraph: string): SubgraphFetchPolicy | undefined;
  /** `onSubgraphFetch` hooks of the plugins, in plugin order. */
  hooks?: readonly SubgraphFetchHook[];
  logger?: Logger;
  /** Records each fetch's outcome (for `/ready`). */
  health?: SubgraphHealth;
  /** Opens subscriptions (WebSocket); without it the client has no `subscribe`. */
  subscriptions?: SubgraphSubscriptionTransport;
}

/**
 * The client the executor calls for every fetch node: runs the plugins' `onSubgraphFetch` hooks around
 * the transport, bounds each fetch by the subgraph's timeout and turns every failure into an `AtriumError`
 * (`SUBGRAPH_TIMEOUT` when the timeout fired, `SUBGRAPH_UNAVAILABLE` when the caller's signal fired or
 * the transport failed unexpectedly).
 *
 * Hooks run in order; one that calls `setResponse` answers the fetch, and the hooks after it and the
 * transport are skipped. The done-hooks they return run in reverse order and may replace the outcome.
 * A hook that throws makes its error the outcome.
 *
 * Every request carries the client request's id as `x-request-id`, so subgraph logs can be joined with
 * the gateway's.
 *
 * @example
 * const client = createSubgraphClient({ transport: createUndiciTransport(), timeoutMs: () => 30_000 });
 * const response = await client.fetch(request, { context, signal: context.signal });
 */
export function createSubgraphClient(options: SubgraphClientOptions): SubgraphClient {
  const { transport, timeoutMs, logger, health } = options;
  const hooks = options.hooks ?? [];
  const policyOf = options.policy;

  /** A transport failure as the fetch's error; an oversized answer is also an operator's concern: logged. */
  const transportFailure = (request: SubgraphRequest, error: unknown): AtriumError => {
    const failure = asSubgraphError(request, error);
    if (failure.code === 'SUBGRAPH_RESPONSE_TOO_LARGE') {
      logger?.warn({ err: failure, subgraph: request.subgraph }, 'subgraph client: response over its maxResponseSize (traffic.all or traffic.subgraphs.<name>), fetch aborted');
    }
    return failure;
  };

  async function send(request: SubgraphRequest, signal: AbortSignal): Promise<SubgraphResponse> {
    if (signal.aborted) throw abortedByCaller(request, signal, signal.reason);
    const ms = timeoutMs(request.subgraph);
    if (!(ms > 0 && ms < Number.POSITIVE_INFINITY)) {
      try {
        return await transport.send(request, signal);
      } catch (error) {
        throw signal.aborted ? abortedByCaller(request, signal, error) : transportFailure(request, error);
      }
    }
    const deadline = new Deadline(signal, ms);
    try {
      return await transport.send(request, deadline.controller.signal);
    } catch (error) {
      if (deadline.timedOut) {
        throw new AtriumError('SUBGRAPH_TIMEOUT', `subgraph "${request.subgraph}" did not answer within ${ms} ms`, {
          extensions: { serviceName: request.subgraph },
          cause: error,
        });
      }
      throw signal.aborted ? abortedByCaller(request, signal, error) : transportFailure(request, error);
    } finally {
      deadline.clear();
    }
  }

  async function fetchWithHooks(
    request: SubgraphRequest,
    context: RequestContext,
    signal: AbortSignal,
    policy: SubgraphFetchPolicy | undefined,
  ) {
    policy?.prepareRequest?.(request, context);
    let response: SubgraphResponse | undefined;
    let error: AtriumError | undefined;
    let doneHooks: SubgraphFetchDoneHook[] | undefined;
    let mayWrite = false;
    const before = {
      request,
      context,
      setResponse(answer: SubgraphResponse) {
        response = answer;
      },
    };
    for (const hook of hooks) {
      try {
        const result = hook(before);
        const done = isThenable(result) ? await result : result;
        if (typeof done === 'function') {
          if (doneHooks === undefined) doneHooks = [done];
          else doneHooks.push(done);
          mayWrite ||= mayWriteResponse(hook);
        }
      } catch (thrown) {
        error = hookFailure(request, thrown, logger);
        break;
      }
      if (response !== undefined) break;
    }

    const start = performance.now();
    if (response === undefined && error === undefined) {
      try {
        response = await (policy?.execute ? policy.execute(request, context, signal, send) : send(request, signal));
      } catch (thrown) {
        error = thrown as AtriumError;
      }
    }
    if (doneHooks !== undefined) {
      // A done-hook that may write into the body gets one no other operation reads (shared-answers.ts).
      if (mayWrite && response !== undefined) response = ownAnswer(response);
      const after: { -readonly [K in keyof SubgraphFetchDonePayload]: SubgraphFetchDonePayload[K] } = {
        request,
        context,
        response,
        error,
        durationMs: performance.now() - start,
        setResponse(answer: SubgraphResponse) {
          after.response = answer;
          after.error = undefined;
        },
      };
      for (let i = doneHooks.length - 1; i >= 0; i--) {
        try {
          const result = doneHooks[i]!(after);
          if (isThenable(result)) await result;
        } catch (thrown) {
          after.response = undefined;
          after.error = hookFailure(request, thrown, logger);
        }
      }
      response = after.response;
      error = after.error;
    }
    if (error !== undefined) throw error;
    policy?.finishResponse?.(response!, context);
    return response!;
  }

  /**
   * A subscription gets the same request preparation as a fetch (header rules, then the plugins'
   * `onSubgraphFetch` hooks, which set the identity headers; a hook's `setResponse` is ignored: there is
   * no single response to replace). Their done-hooks run for every event, with the event as the response
   * (`durationMs` 0: an event answers no request) — they may replace it — and once with the error that
   * ends the subscription.
   */
  async function subscribe(request: SubgraphRequest, context: RequestContext, signal: AbortSignal): Promise<SubgraphEventStream> {
    request.headers['x-request-id'] = context.requestId;
    policyOf?.(request.subgraph)?.prepareRequest?.(request, context);
    const before = { request, context, setResponse() {} };
    const doneHooks: SubgraphFetchDoneHook[] = [];
    for (const hook of hooks) {
      try {
        const result = hook(before);
        const done = isThenable(result) ? await result : result;
        if (typeof done === 'function') doneHooks.push(done);
      } catch (thrown) {
        throw hookFailure(request, thrown, logger);
      }
    }
    const events = options.subscriptions!.subscribe(request, signal);
    return doneHooks.length === 0 ? events : new ObservedEvents(events, async (response, error) => {
      const after: { -readonly [K in keyof SubgraphFetchDonePayload]: SubgraphFetchDonePayload[K] } = {
        request,
        context,
        response,
        error,
        durationMs: 0,
        setResponse(answer: SubgraphResponse) {
          after.response = answer;
        },
      };
      for (let i = doneHooks.length - 1; i >= 0; i--) {
        try {
          const result = doneHooks[i]!(after);
          if (isThenable(result)) await result;
        } catch (thrown) {
          logger?.error({ err: thrown, subgraph: request.subgraph }, 'subgraph client: a done-hook failed on a subscription event');
        }
      }
      return after.response?.body;
    });
  }

  return {
    ...(options.subscriptions && {
      subscribe: (request: SubgraphRequest, { context, signal }: { context: RequestContext; signal: AbortSignal }) =>
        subscribe(request, context, signal),
    }),
    fetch(request, { context, signal }) {
      request.headers['x-request-id'] = context.requestId;
      const policy = policyOf?.(request.subgraph);
      const pending =
        hooks.length === 0 && policy === undefined ? send(request, signal) : fetchWithHooks(request, context, signal, policy);
      if (!health) return pending;
      return pending.then(
        (response) => {
          health.recordSuccess(request.subgraph);
          return response;
        },
        (error: unknown) => {
          // A client that went away says nothing about the subgraph.
          if (error instanceof AtriumError && !signal.aborted) health.recordFailure(request.subgraph, error);
          throw error;
        },
      );
    },
    async close() {
      await options.subscriptions?.close();
      await transport.close();
    },
  };
}

/**
 * One fetch's timeout: a single timer and controller, with the caller's signal forwarded into it. Cheaper
 * than `AbortSignal.any([signal, AbortSignal.timeout(ms)])`, which allocates two signals and keeps weak
 * references per fetch. The instance is its own abort listener (`handleEvent`), so no closure is made.
 */
class Deadline {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly signal: AbortSignal,
    ms: number,
  ) {
    this.timer = setTimeout(onDeadline, ms, this);
    signal.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    this.controller.abort(this.signal.reason);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this);
  }
}

function onDeadline(deadline: Deadline): void {
  // The caller's abort came first: that is what ended the fetch.
  if (deadline.controller.signal.aborted) return;
  deadline.timedOut = true;
  deadline.controller.abort(new Error('subgraph timeout'));
}

/**
 * The caller's signal ended the fetch. When it carries an `AtriumError` (the request deadline's
 * GATEWAY_TIMEOUT), that is the outcome, naming the subgraph; otherwise the client went away.
 */
function abortedByCaller(request: SubgraphRequest, signal: AbortSignal, cause: unknown): AtriumError {
  const reason: unknown = signal.reason;
  if (reason instanceof AtriumError) {
    return new AtriumError(reason.code, reason.message, { extensions: { ...reason.extensions, serviceName: request.subgraph }, cause });
  }
  return new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${request.subgraph}" is unavailable: the request was aborted`, {
    extensions: { serviceName: request.subgraph },
    cause,
  });
}

function asSubgraphError(request: SubgraphRequest, error: unknown): AtriumError {
  if (error instanceof AtriumError) return error;
  return new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${request.subgraph}" is unavailable: request failed`, {
    extensions: { serviceName: request.subgraph },
    cause: error,
  });
}

/** A hook's AtriumError is its verdict (for example a breaker that is open); anything else is a bug in it. */
function hookFailure(request: SubgraphRequest, thrown: unknown, logger: Logger | undefined): AtriumError {
  if (thrown instanceof AtriumError) return thrown;
  logger?.error({ err: thrown, subgraph: request.subgraph }, 'subgraph client: fetch hook failed');
  return new AtriumError('INTERNAL_SERVER_ERROR', 'internal server error', {
    extensions: { serviceName: request.subgraph },
    cause: thrown,
  });
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * An upstream subscription's events with the done-hooks run on each (and on the error that ends it).
 * Not an async generator function: its `return()` would wait for the pending `next()`, and a client that
 * leaves must close the upstream subscription at once.
 */
class ObservedEvents implements SubgraphEventStream {
  constructor(
    private readonly inner: SubgraphEventStream,
    private readonly observe: (response: SubgraphResponse | undefined, error: AtriumError | undefined) => Promise<SubgraphResponse['body'] | undefined>,
  ) {}

  async next(): Promise<IteratorResult<SubgraphResponse['body'], undefined>> {
    let step: IteratorResult<SubgraphResponse['body'], undefined>;
    try {
      step = await this.inner.next();
    } catch (error) {
      if (error instanceof AtriumError) await this.observe(undefined, error);
      throw error;
    }
    if (step.done) return step;
    const body = await this.observe({ status: 200, headers: {}, body: step.value }, undefined);
    return { value: body ?? step.value, done: false };
  }

  return(): Promise<IteratorResult<SubgraphResponse['body'], undefined>> {
    return this.inner.return(undefined);
  }

  throw(error: unknown): Promise<IteratorResult<SubgraphResponse['body'], undefined>> {
    return this.inner.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.inner.return(undefined);
  }
}
