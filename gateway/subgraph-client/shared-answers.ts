import type { RawResponse } from './dispatch-post.js';
import type { SubgraphFetchHook, SubgraphResponse } from './contracts.js';

/**
 * One parse per deduplicated subgraph answer (`traffic.*.dedupe`, shared-requests.ts): every operation
 * that waited for the same request gets the same parsed body. That is safe because nobody writes into it:
 * the executor keeps what it merges beside the answers (engine/answer-overlay.ts), and a plugin's
 * done-hook that might change `response.body` gets its own parse first (`ownAnswer`). Built-in hooks that
 * only read say so with {@link readsResponseOnly}.
 */

const parsed = new WeakMap<RawResponse, SubgraphResponse['body']>();
/** The text each shared body was parsed from, for a waiter that needs its own copy. */
const texts = new WeakMap<object, string>();
const readers = new WeakSet<SubgraphFetchHook>();

/**
 * The answer to one waiter of a shared request: the body parsed by the first waiter (`parse`, which
 * throws on a bad body, so each waiter gets its own error), in a response object of its own.
 */
export function sharedAnswer(raw: RawResponse, parse: () => SubgraphResponse): SubgraphResponse {
  const body = parsed.get(raw);
  if (body !== undefined) return { status: raw.status, headers: raw.headers, body };
  const response = parse();
  parsed.set(raw, response.body);
  texts.set(response.body, raw.text);
  return response;
}

/** `response` with a body nobody else holds: a fresh parse when its body is a shared one, else itself. */
export function ownAnswer(response: SubgraphResponse): SubgraphResponse {
  const text = texts.get(response.body);
  return text === undefined ? response : { ...response, body: JSON.parse(text) as SubgraphResponse['body'] };
}

/**
 * Marks an `onSubgraphFetch` hook whose done-hooks only read `response` (metrics, tags): they may see a
 * shared body, so its fetches need no private parse. Returns the hook.
 *
 * @example
 * const plugin = { onSubgraphFetch: readsResponseOnly(({ request }) => ({ response }) => count(response)) };
 */
export function readsResponseOnly<T extends SubgraphFetchHook>(hook: T): T {
  readers.add(hook);
  return hook;
}

/** Whether `hook`'s done-hooks may write into the response they are given. */
export function mayWriteResponse(hook: SubgraphFetchHook): boolean {
  return !readers.has(hook);
}
