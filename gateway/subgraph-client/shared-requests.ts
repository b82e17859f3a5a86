import type { Pool } from 'undici';
import { dispatchPost, type RawResponse } from './dispatch-post.js';

/**
 * Work several identical callers wait for (a subgraph request; an execution, engine/shared-executions.ts),
 * with its own abort controller: it is aborted only when every waiter has left.
 */
export interface SharedWork<T> {
  readonly result: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
}

type SharedRequest = SharedWork<RawResponse>;

/**
 * Headers that differ between otherwise identical requests (ids and trace context of the client request
 * that sent them): left out of the key, so that they do not defeat sharing. A shared request carries the
 * values of the request that started it.
 */
export const PER_REQUEST_HEADERS: ReadonlySet<string> = new Set(['x-request-id', 'traceparent', 'tracestate']);

/**
 * `headers` as `[name, value]` pairs sorted by name, without the `excluded` names: the headers part of a
 * sharing key, alike for two requests whose headers differ only in order or in excluded names.
 *
 * @example
 * JSON.stringify(keyedHeaders(request.headers, PER_REQUEST_HEADERS));
 */
export function keyedHeaders(headers: Readonly<Record<string, unknown>>, excluded: ReadonlySet<string>): [string, unknown][] {
  return Object.entries(headers)
    .filter(([name]) => !excluded.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A JSON value with every object's keys sorted, so that two equal values stringify alike. */
export function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonicalValue((value as Record<string, unknown>)[key])]),
  );
}

/** The requests in flight of one transport, by key. */
export type InFlightRequests = Map<string, SharedRequest>;

/**
 * In-flight deduplication: identical queries (same URL, headers and body) that overlap in time share one
 * request. Joins an identical request in flight, or starts one. The shared request has its own abort controller:
 * a waiter whose signal fires (its timeout, its client gone) leaves alone, and the request is aborted
 * only when no waiter is left.
 */
export function sendShared(
  inFlight: InFlightRequests,
  request: { pool: Pool; url: string; path: string; headers: string[]; body: string; signal: AbortSignal; maxResponseBytes: number },
): Promise<RawResponse> {
  const { pool, url, path, headers, body, signal, maxResponseBytes } = request;
  // The size limit is part of the key: two subgraphs behind one URL may have different ones.
  const key = `${url}\u0000${maxResponseBytes}\u0000${sharedHeaderKey(headers)}\u0000${body}`;
  return joinWork<RawResponse, SharedRequest>(inFlight, key, signal, (controller) => ({
    result: dispatchPost(pool, { path, headers, body, signal: controller.signal, maxResponseBytes }),
    controller,
    waiters: 0,
  })).result;
}

/**
 * Joins the work in flight under `key`, or starts it with `start` (given the work's own abort controller)
 * when there is none or `joinable` refuses the one there. The work stays under `key` until it settles or
 * its last waiter leaves; `result` settles with it for this waiter, or alone when `signal` fires first.
 *
 * @example
 * const { result } = joinWork(inFlight, key, signal, (controller) => ({ result: send(controller.signal), controller, waiters: 0 }));
 */
export function joinWork<T, W extends SharedWork<T>>(
  inFlight: Map<string, W>,
  key: string,
  signal: AbortSignal,
  start: (controller: AbortController) => W,
  joinable?: (work: W) => boolean,
): { readonly work: W; readonly result: Promise<T> } {
  const forgetting = (entry: W) => () => {
    if (inFlight.get(key) === entry) inFlight.delete(key);
  };
  let work = inFlight.get(key);
  if (work === undefined || (joinable !== undefined && !joinable(work))) {
    const started = start(new AbortController());
    inFlight.set(key, started);
    const forget = forgetting(started);
    started.result.then(forget, forget);
    work = started;
  }
  return { work, result: waitFor(work, signal, forgetting(work)) };
}

/**
 * One waiter of shared work: settles with it, or alone when its own signal fires first; the last waiter
 * to leave calls `abandon` (forget the work) and aborts it.
 */
function waitFor<T>(shared: SharedWork<T>, signal: AbortSignal, abandon: () => void): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  shared.waiters++;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const leave = () => {
      done = true;
      signal.removeEventListener('abort', onAbort);
      shared.waiters--;
    };
    const onAbort = () => {
      if (done) return;
      leave();
      if (shared.waiters === 0) {
        abandon();
        shared.controller.abort(signal.reason ?? new Error('aborted'));
      }
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort);
    shared.result.then(
      (response) => {
        if (done) return;
        leave();
        resolve(response);
      },
      (error) => {
        if (done) return;
        leave();
        reject(error);
      },
    );
  });
}


/** The flat `[name, value, ...]` header list as part of a key, without the per-request headers. */
function sharedHeaderKey(headers: readonly string[]): string {
  let key = '';
  for (let i = 0; i < headers.length; i += 2) {
    if (PER_REQUEST_HEADERS.has(headers[i]!)) continue;
    key += `${headers[i]}\u0000${headers[i + 1]}\u0000`;
  }
  return key;
}
