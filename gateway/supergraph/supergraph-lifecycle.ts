import { createHash } from 'node:crypto';
import { setTimeout as sleep, setImmediate as yieldToRequests } from 'node:timers/promises';
import { validate } from 'graphql';
import type { Engine } from '../engine/engine.js';
import { HotOperations } from '../engine/hot-operations.js';
import type { Logger } from '../logger.js';
import type { SupergraphProvider, SupergraphSnapshot } from './supergraph-provider.js';
import type { SupergraphCache } from './supergraph-cache.js';
import { SupergraphLoadError } from './supergraph-load-error.js';

/** What `/ready` and metrics report about the served supergraph and its reloads. */
export interface SupergraphStatus {
  /** First 12 hex digits of the SHA-256 of the served supergraph SDL. */
  readonly version: string;
  /** When the served supergraph was loaded (ISO 8601). */
  readonly loadedAt: string;
  readonly subgraphs: readonly string[];
  /** Reloads that swapped to a new supergraph, and reloads that failed and kept the old one. */
  readonly reloads: { readonly succeeded: number; readonly failed: number };
  /** The problems of the last reload, while it is the latest outcome; cleared by a successful one. */
  readonly lastError?: { readonly at: string; readonly problems: readonly string[] };
  /**
   * `live`: loaded from the sources; `cache`: the copy of `reload.cacheDir`, served because the sources did
   * not answer at startup (the gateway keeps trying them and says `live` once it has).
   */
  readonly source: 'live' | 'cache';
}

/** The outcome of one {@link SupergraphLifecycle.reload}. */
export type ReloadOutcome =
  | { readonly kind: 'swapped'; readonly version: string; readonly warmedPlans: number }
  | { readonly kind: 'unchanged'; readonly version: string }
  | { readonly kind: 'failed'; readonly problems: readonly string[] };

/** The served supergraph's life: first load, hot reloads, swaps. */
export interface SupergraphLifecycle {
  /** The engine of the served supergraph (undefined before `start` finished). */
  readonly engine: Engine | undefined;
  /**
   * Loads the first supergraph and returns its engine. Retries while the only problems are subgraphs that
   * do not answer introspection yet; throws on any other problem, or when `signal` aborts.
   */
  start(signal?: AbortSignal): Promise<Engine>;
  /** Starts watching the provider; every new engine is handed to `swap`. */
  watch(swap: (engine: Engine) => void): void;
  /**
   * Loads the source again and, when the supergraph changed, builds and warms the new engine and swaps.
   * Reloads run one at a time; a call while one is waiting to run shares that one.
   */
  reload(reason: string): Promise<ReloadOutcome>;
  /**
   * Builds a new engine on the supergraph being served, with what `buildEngine` makes of it now (a SIGHUP
   * changed a subgraph's URL override), warms it and swaps, in turn with reloads. Before `start`, nothing.
   */
  rebuild(reason: string): Promise<ReloadOutcome>;
  status(): SupergraphStatus;
  /** Called after every reload that swapped or failed. Returns an unsubscribe function. */
  onReload(listener: (outcome: ReloadOutcome) => void): () => void;
  close(): void;
}

export interface SupergraphLifecycleOptions {
  readonly provider: SupergraphProvider;
  /** Builds the engine for one supergraph SDL; throws when the SDL cannot be served. */
  buildEngine(snapshot: SupergraphSnapshot): Engine;
  readonly logger: Logger;
  /** Quiet period after a change before reloading (ms). */
  readonly debounceMs: number;
  /** Busiest operations planned on a new supergraph before the swap; 0 = none. */
  readonly warmPlans: number;
  /** Backoff of the first load's retries (see `start`): first delay, doubling up to the maximum. Default 500 ms, 10 s. */
  readonly startRetry?: { readonly initialMs: number; readonly maxMs: number };
  /**
   * `reload.cacheDir`: every supergraph served is kept there; a start whose sources do not answer yet serves
   * the kept one at once instead of waiting, and swaps to the live one when they do.
   */
  readonly cache?: SupergraphCache;
}

/**
 * Owns the served supergraph: loads it, watches its source, and on a change recomposes, builds a new
 * engine, plans the busiest operations on it, and swaps. A reload that fails (a schema that does not
 * compose, an unreadable file, an unreachable subgraph) keeps the old supergraph serving; its problems
 * are logged, counted and kept for `/ready` until a later reload succeeds.
 *
 * @example
 * const lifecycle = createSupergraphLifecycle({ provider, buildEngine, logger, debounceMs: 200, warmPlans: 100 });
 * const handler = await createGraphQLHandler({ engine: await lifecycle.start(), config, logger });
 * lifecycle.watch((engine) => handler.swapEngine(engine));
 */
export function createSupergraphLifecycle(options: SupergraphLifecycleOptions): SupergraphLifecycle {
  const { provider, logger } = options;
  // Four times the warmed count: room for operations on their way up to stay counted.
  const hot = new HotOperations(options.warmPlans > 0 ? Math.max(64, options.warmPlans * 4) : 0);
  const listeners = new Set<(outcome: ReloadOutcome) => void>();
  let engine: Engine | undefined;
  /** What `engine` was built from. */
  let served: SupergraphSnapshot | undefined;
  let version = '';
  let loadedAt = '';
  let swap: ((engine: Engine) => void) | undefined;
  let stopWatching: (() => void) | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;
  const reloads = { succeeded: 0, failed: 0 };
  let lastError: SupergraphStatus['lastError'];
  let source: SupergraphStatus['source'] = 'live';
  let running: Promise<unknown> = Promise.resolve();
  let waiting: Promise<ReloadOutcome> | undefined;
  const controller = new AbortController();

  /** The engine requests run on: it records each operation so the busiest can be re-planned later. */
  const tracked = (inner: Engine): Engine => ({
    supergraph: inner.supergraph,
    plannerName: inner.plannerName,
    planCache: inner.planCache,
    get plannerFallbacks() {
      return inner.plannerFallbacks;
    },
    explainPlan: (operation) => inner.explainPlan(operation),
    preparePlan: (operation) => inner.preparePlan(operation),
    subscribe: (request) => inner.subscribe(request),
    execute(request) {
      hot.record({ document: request.document, operationName: request.operation.name?.value, queryHash: request.queryHash });
      return inner.execute(request);
    },
    executeIncremental(request) {
      hot.record({ document: request.document, operationName: request.operation.name?.value, queryHash: request.queryHash });
      return inner.executeIncremental(request);
    },
  });

  const serve = (next: Engine, snapshot: SupergraphSnapshot, from: SupergraphStatus['source'] = 'live') => {
    const { sdl } = snapshot;
    const nextVersion = versionOf(sdl);
    // The cached copy changes with the supergraph (or once it is served live); a rebuild on the served one
    // has nothing new to write.
    const cacheIsBehind = nextVersion !== version || source === 'cache';
    engine = next;
    served = snapshot;
    version = nextVersion;
    loadedAt = new Date().toISOString();
    source = from;
    if (from === 'live' && cacheIsBehind && options.cache) {
      options.cache.write(sdl).catch((error: unknown) => logger.warn({ err: error, path: options.cache!.path }, 'supergraph: could not write the cached copy'));
    }
  };

  async function warm(next: Engine): Promise<number> {
    let warmed = 0;
    for (const operation of hot.top(options.warmPlans)) {
      if (closed) break;
      // An operation the new schema no longer accepts fails validation before planning, as it will for clients.
      if (validate(next.supergraph.apiSchema, operation.document).length > 0) continue;
      try {
        next.preparePlan(operation);
        warmed++;
      } catch (error) {
        logger.debug({ err: error, operationName: operation.operationName }, 'reload: could not warm a plan');
      }
      // Planning is synchronous CPU work: let requests in flight run between plans.
      await yieldToRequests();
    }
    return warmed;
  }

  /**
   * The first load. A retryable failure (a `subgraph_url` that does not answer yet: subgraphs and gateway
   * often start together) is retried with backoff until it succeeds or `signal` aborts, so the gateway
   * waits, answering /health with 503 and showing the problems on /ready, instead of exiting. Any other
   * failure (an invalid file, a composition error) is thrown at once: waiting would not fix it.
   */
  async function loadFirst(signal: AbortSignal): Promise<SupergraphSnapshot & { fromCache?: boolean }> {
    for (let attempt = 1, delayMs = options.startRetry?.initialMs ?? 500; ; attempt++) {
      try {
        return await provider.load(signal);
      } catch (error) {
        if (!(error instanceof SupergraphLoadError && error.retryable) || signal.aborted) throw error;
        lastError = { at: new Date().toISOString(), problems: error.problems };
        const cached = attempt === 1 ? await options.cache?.read() : undefined;
        if (cached !== undefined) {
          logger.warn({ problems: error.problems, path: options.cache!.path }, 'supergraph: the sources do not answer; serving the cached supergraph and retrying them');
          return { sdl: cached, fromCache: true };
        }
        logger.warn({ problems: error.problems, attempt, retryInMs: delayMs }, 'supergraph: not loaded yet (a subgraph did not answer introspection, or the registry is empty), retrying');
        await sleep(delayMs, undefined, { signal });
        delayMs = Math.min(delayMs * 2, options.startRetry?.maxMs ?? 10_000);
      }
    }
  }

  /**
   * After a start from the cache: loads the sources with the start's backoff until they answer, then
   * swaps onto that load (a new supergraph, or the same one now `live`).
   */
  async function retryUntilLive(): Promise<void> {
    for (let delayMs = options.startRetry?.initialMs ?? 500; source === 'cache' && !closed; ) {
      let snapshot: SupergraphSnapshot;
      try {
        await sleep(delayMs, undefined, { signal: controller.signal });
        snapshot = await provider.load(controller.signal);
      } catch (error) {
        if (closed) return;
        if (error instanceof SupergraphLoadError && !error.retryable) {
          logger.error({ problems: error.problems }, 'supergraph: the sources answered with a supergraph that cannot be served; still serving the cached one');
        }
        delayMs = Math.min(delayMs * 2, options.startRetry?.maxMs ?? 10_000);
        continue;
      }
      // Swap onto what was just loaded, in turn with other reloads (no second load of the sources).
      const swapped = running.then(() => reloadNow('sources answer again after a start from the cache', snapshot));
      running = swapped.catch(() => {});
      await swapped;
    }
  }

  /**
   * One reload: `loaded` when the caller already loaded the sources, else they are loaded here. `rebuild`:
   * a new engine even when the supergraph is the one served.
   */
  async function reloadNow(reason: string, loaded?: SupergraphSnapshot, rebuild = false): Promise<ReloadOutcome> {
    let outcome: ReloadOutcome;
    try {
      const snapshot = loaded ?? (await provider.load(controller.signal));
      if (!rebuild && versionOf(snapshot.sdl) === version) {
        // The sources answered with what the cache held: now it is served live.
        if (source === 'cache') serve(engine!, snapshot);
        return { kind: 'unchanged', version };
      }
      const next = tracked(options.buildEngine(snapshot));
      const warmedPlans = await warm(next);
      if (closed) return { kind: 'unchanged', version };
      serve(next, snapshot, rebuild ? source : 'live');
      swap?.(next);
      reloads.succeeded++;
      lastError = undefined;
      outcome = { kind: 'swapped', version, warmedPlans };
      logger.info({ reason, version, warmedPlans, subgraphs: [...next.supergraph.subgraphs.keys()], planner: next.plannerName }, 'reload: serving the new supergraph');
    } catch (error) {
      if (closed) return { kind: 'unchanged', version };
      const problems = error instanceof SupergraphLoadError ? error.problems : [(error as Error)?.message ?? String(error)];
      reloads.failed++;
      lastError = { at: new Date().toISOString(), problems };
      outcome = { kind: 'failed', problems };
      logger.error({ reason, problems, version }, 'reload: the new supergraph was refused, still serving the old one');
    }
    for (const listener of listeners) listener(outcome);
    return outcome;
  }

  const lifecycle: SupergraphLifecycle = {
    get engine() {
      return engine;
    },

    async start(signal) {
      const snapshot = await loadFirst(signal ? AbortSignal.any([signal, controller.signal]) : controller.signal);
      if (!snapshot.fromCache) lastError = undefined;
      const first = tracked(options.buildEngine(snapshot));
      serve(first, snapshot, snapshot.fromCache ? 'cache' : 'live');
      return first;
    },

    watch(onSwap) {
      swap = onSwap;
      if (source === 'cache') void retryUntilLive();
      stopWatching = provider.watch((reason) => {
        // The first change of a burst opens the window; later ones join it instead of pushing it back, so a
        // source that keeps reporting (a poll every few ms) cannot postpone the reload forever.
        if (closed || debounce) return;
        debounce = setTimeout(() => {
          debounce = undefined;
          void lifecycle.reload(reason);
        }, options.debounceMs);
        debounce.unref();
      });
    },

    reload(reason) {
      if (waiting) return waiting;
      const next = running.then(() => {
        waiting = undefined;
        return reloadNow(reason);
      });
      waiting = next;
      running = next.catch(() => {});
      return next;
    },

    rebuild(reason) {
      const next = running.then((): Promise<ReloadOutcome> | ReloadOutcome => (served && !closed ? reloadNow(reason, served, true) : { kind: 'unchanged', version }));
      running = next.catch(() => {});
      return next;
    },

    status() {
      return {
        version,
        loadedAt,
        subgraphs: engine ? [...engine.supergraph.subgraphs.keys()] : [],
        reloads: { ...reloads },
        ...(lastError && { lastError }),
        source,
      };
    },

    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      closed = true;
      clearTimeout(debounce);
      stopWatching?.();
      controller.abort();
    },
  };
  return lifecycle;
}

function versionOf(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 12);
}
