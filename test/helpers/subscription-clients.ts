import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** How long a test waits for something to happen before it fails (a bound, not a timing assertion). */
export const WAIT_MS = 10_000;

/** The WebSocket URL of a gateway's HTTP GraphQL URL. */
export const wsUrl = (url: string): string => url.replace(/^http/, 'ws');

/**
 * A graphql-ws client of the gateway that never retries (a close is seen by the test), added to `opened`
 * so the test can dispose of it.
 */
export function wsClient(
  url: string,
  opened: Client[],
  options: { connectionParams?: Record<string, unknown>; webSocketImpl?: unknown; lazy?: boolean; onClosed?: (event: unknown) => void } = {},
): Client {
  const client = createClient({
    url: wsUrl(url),
    webSocketImpl: options.webSocketImpl ?? WebSocket,
    retryAttempts: 0,
    lazy: options.lazy ?? true,
    ...(options.onClosed && { on: { closed: options.onClosed } }),
    ...(options.connectionParams && { connectionParams: options.connectionParams }),
  });
  opened.push(client);
  return client;
}

/** A subscription's events as they arrive; `ended` settles with the error or `complete`. */
export interface CollectedStream {
  readonly events: any[];
  readonly ended: Promise<{ error?: unknown }>;
  unsubscribe(): void;
}

/** Subscribes with a graphql-ws (or graphql-sse) client and collects the events. */
export function collect(
  client: { subscribe(payload: { query: string; variables?: Record<string, unknown> }, sink: { next(value: unknown): void; error(error: unknown): void; complete(): void }): () => void },
  query: string,
  variables?: Record<string, unknown>,
): CollectedStream {
  const events: any[] = [];
  let resolveEnded!: (outcome: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((resolve) => (resolveEnded = resolve));
  const unsubscribe = client.subscribe({ query, ...(variables && { variables }) }, {
    next: (value) => void events.push(value),
    error: (error) => resolveEnded({ error }),
    complete: () => resolveEnded({}),
  });
  return { events, ended, unsubscribe };
}

/** Polls until `check` holds (bounded by {@link WAIT_MS}; no timing assertion). */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
