import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AtriumError } from '../errors.js';
import type { SubgraphEventStream, SubgraphRequest, SubgraphSubscriptionTransport } from './contracts.js';
import { PushStream } from './push-stream.js';
import { canonicalValue, keyedHeaders, PER_REQUEST_HEADERS } from './shared-requests.js';

type SubgraphEvent = SubgraphEventStream extends AsyncIterable<infer E> ? E : never;

/** Counts upstream subscriptions and their events (the root wires it to the gateway's metrics). */
export interface UpstreamSubscriptionObserver {
  /** An upstream subscription to the subgraph opened (`+1`) or closed (`-1`). */
  open(subgraph: string, delta: 1 | -1): void;
  /** One event arrived from the subgraph (once per upstream subscription, however many clients share it). */
  event(subgraph: string): void;
}

export interface WebSocketTransportOptions {
  /** The subgraph's WebSocket URL when gateway.yaml sets one; otherwise the request's URL, http→ws. */
  subscriptionUrl?(subgraph: string): string | undefined;
  /** Events one client's copy may queue while the gateway completes earlier ones. Default 1000. */
  maxQueuedEvents?: number;
  /** Whether identical subscriptions to the subgraph share one upstream subscription. Default: no. */
  dedupe?(subgraph: string): boolean;
  /** Reconnects after the upstream WebSocket closes or fails (`subscriptions.upstreamReconnect`). Default: none. */
  reconnect?: { readonly attempts: number; readonly delayMs: number };
  observer?: UpstreamSubscriptionObserver;
}

/** One upstream subscription and the clients' streams it feeds. */
interface Upstream {
  /** A new client stream fed by this upstream; `return()` or the signal takes it off. */
  join(signal: AbortSignal): SubgraphEventStream;
}

/**
 * Subscriptions to subgraphs over GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` client
 * over `ws`), one connection per upstream subscription, its headers (identity headers set by the plugins'
 * hooks) sent on the upgrade request and as the `connection_init` payload. With `dedupe`, identical
 * subscriptions (URL, operation, variables, headers but the per-request ones) share one upstream whose
 * events are fanned out to every client's stream; it closes when the last client leaves. Without
 * `reconnect`, a subgraph that closes or fails ends every stream with an error naming the subgraph;
 * with it, graphql-ws reconnects and subscribes again first.
 *
 * @example
 * const transport = createWebSocketTransport({ subscriptionUrl: (name) => overrides[name], dedupe: () => true });
 * for await (const event of transport.subscribe(request, signal)) console.log(event.data);
 */
export function createWebSocketTransport(options: WebSocketTransportOptions = {}): SubgraphSubscriptionTransport {
  const open = new Set<Client>();
  const shared = new Map<string, Upstream>();
  const maxQueued = options.maxQueuedEvents ?? 1000;
  const { observer } = options;

  const openUpstream = (request: SubgraphRequest, url: string, forget: () => void): Upstream => {
    const { subgraph } = request;
    const consumers = new Set<PushStream<SubgraphEvent>>();
    let client: Client | undefined = createClient({
      url,
      webSocketImpl: webSocketWithHeaders({ ...request.headers }),
      connectionParams: { ...request.headers },
      lazy: true,
      ...retryOptions(options.reconnect),
    });
    const dispose = () => {
      if (!client) return;
      forget();
      open.delete(client);
      void client.dispose();
      client = undefined;
      observer?.open(subgraph, -1);
    };
    const endAll = (error?: AtriumError) => {
      for (const consumer of consumers) consumer.end(error);
      consumers.clear();
      dispose();
    };
    open.add(client);
    observer?.open(subgraph, 1);
    client.subscribe(subscribePayload(request), {
      next: (value) => {
        observer?.event(subgraph);
        for (const consumer of consumers) consumer.push(value as SubgraphEvent);
      },
      error: (error) => endAll(upstreamFailure(request, error)),
      complete: () => endAll(),
    });
    return {
      join(signal) {
        const leave = () => {
          signal.removeEventListener('abort', leave);
          if (!consumers.delete(stream)) return;
          stream.end();
          if (consumers.size === 0) dispose();
        };
        const stream: PushStream<SubgraphEvent> = new PushStream({
          onReturn: leave,
          maxQueued,
          overflow: () => new AtriumError('SUBSCRIPTION_SLOW_CONSUMER', `more than ${maxQueued} events from subgraph "${subgraph}" waited to be sent`, { extensions: { serviceName: subgraph } }),
        });
        consumers.add(stream);
        signal.addEventListener('abort', leave, { once: true });
        return stream;
      },
    };
  };

  return {
    subscribe(request, signal) {
      if (signal.aborted) {
        const stream = new PushStream<SubgraphEvent>();
        stream.end();
        return stream;
      }
      const url = options.subscriptionUrl?.(request.subgraph) ?? webSocketUrlOf(request.url);
      if (!options.dedupe?.(request.subgraph)) return openUpstream(request, url, () => {}).join(signal);
      const key = sharingKey(url, request);
      let upstream = shared.get(key);
      if (!upstream) {
        const created = openUpstream(request, url, () => {
          if (shared.get(key) === created) shared.delete(key);
        });
        shared.set(key, created);
        upstream = created;
      }
      return upstream.join(signal);
    },
    async close() {
      await Promise.all([...open].map((client) => client.dispose()));
      open.clear();
      shared.clear();
    },
  };
}

/** `http://host/graphql` → `ws://host/graphql`, `https` → `wss`. */
export function webSocketUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, (_, secure: string) => `ws${secure}://`);
}

/**
 * What makes two subscriptions the same upstream subscription: URL, operation text and name, variables
 * (keys sorted) and headers, without the per-request ones (`x-request-id`, trace context), whose values
 * are then those of the client that opened it.
 */
function sharingKey(url: string, request: SubgraphRequest): string {
  const { query, operationName, variables } = request.body;
  return JSON.stringify([url, query, operationName ?? null, canonicalValue(variables ?? {}), keyedHeaders(request.headers, PER_REQUEST_HEADERS)]);
}


/** graphql-ws retry settings: none, or `attempts` with an exponential, jittered wait from `delayMs`. */
function retryOptions(reconnect: WebSocketTransportOptions['reconnect']) {
  if (!reconnect || reconnect.attempts === 0) return { retryAttempts: 0, shouldRetry: () => false };
  return {
    retryAttempts: reconnect.attempts,
    retryWait: (retries: number) =>
      new Promise<void>((resolve) => setTimeout(resolve, Math.min(reconnect.delayMs * 2 ** retries, 30_000) * (1 + Math.random() / 2)).unref()),
  };
}

function subscribePayload(request: SubgraphRequest) {
  const { query, operationName, variables } = request.body;
  return { query, ...(operationName && { operationName }), ...(variables && { variables: { ...variables } }) };
}

/** `ws`'s WebSocket with the upgrade request's headers fixed (graphql-ws constructs it with URL and protocol only). */
function webSocketWithHeaders(headers: Record<string, string>): unknown {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/**
 * What ended the subscription, as an error naming the subgraph (never its URL): a close event (the
 * subgraph closed or went away), an error list the subgraph sent, or a connection failure.
 */
function upstreamFailure(request: SubgraphRequest, error: unknown): AtriumError {
  const serviceName = request.subgraph;
  if (Array.isArray(error)) {
    const message = (error as { message?: unknown }[]).map((e) => String(e.message)).join('; ');
    return new AtriumError('SUBGRAPH_ERROR', `subgraph "${serviceName}" ended the subscription with errors: ${message}`, { extensions: { serviceName } });
  }
  const close = error as { code?: unknown; reason?: unknown } | null;
  if (close && typeof close.code === 'number') {
    const reason = typeof close.reason === 'string' && close.reason ? `: ${close.reason}` : '';
    return new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${serviceName}" closed the subscription (WebSocket close ${close.code}${reason})`, {
      extensions: { serviceName },
    });
  }
  return new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${serviceName}" is unavailable: the subscription failed`, {
    extensions: { serviceName },
    cause: error,
  });
}
