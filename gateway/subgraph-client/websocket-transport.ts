import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AtriumError } from '../errors.js';
import type { SubgraphEventStream, SubgraphRequest, SubgraphSubscriptionTransport } from './contracts.js';
import { PushStream } from './push-stream.js';

export interface WebSocketTransportOptions {
  /** The subgraph's WebSocket URL when gateway.yaml sets one; otherwise the request's URL, http→ws. */
  subscriptionUrl?(subgraph: string): string | undefined;
  /** Events one upstream subscription may queue while the gateway completes earlier ones. Default 1000. */
  maxQueuedEvents?: number;
}

/**
 * Subscriptions to subgraphs over GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` client
 * over `ws`). One connection per subscription: its headers (identity headers set by the plugins' hooks)
 * are those of one client, sent on the upgrade request and as the `connection_init` payload. The client
 * never reconnects: a subgraph that closes or fails ends the stream with an error naming the subgraph,
 * and the gateway's client decides whether to subscribe again.
 *
 * @example
 * const transport = createWebSocketTransport({ subscriptionUrl: (name) => overrides[name] });
 * for await (const event of transport.subscribe(request, signal)) console.log(event.data);
 */
export function createWebSocketTransport(options: WebSocketTransportOptions = {}): SubgraphSubscriptionTransport {
  const open = new Set<Client>();
  return {
    subscribe(request, signal) {
      const url = options.subscriptionUrl?.(request.subgraph) ?? webSocketUrlOf(request.url);
      const headers = { ...request.headers };
      let client: Client | undefined;
      const close = () => {
        signal.removeEventListener('abort', close);
        if (!client) return;
        open.delete(client);
        void client.dispose();
        client = undefined;
      };
      const stream: PushStream<SubgraphEventStream extends AsyncIterable<infer E> ? E : never> = new PushStream({
        onReturn: close,
        maxQueued: options.maxQueuedEvents ?? 1000,
        overflow: () => new AtriumError('SUBSCRIPTION_SLOW_CONSUMER', `more than ${options.maxQueuedEvents ?? 1000} events from subgraph "${request.subgraph}" waited to be sent`, { extensions: { serviceName: request.subgraph } }),
      });
      if (signal.aborted) {
        stream.end();
        return stream;
      }
      signal.addEventListener('abort', close, { once: true });
      client = createClient({
        url,
        webSocketImpl: webSocketWithHeaders(headers),
        connectionParams: headers,
        lazy: true,
        retryAttempts: 0,
        shouldRetry: () => false,
      });
      open.add(client);
      client.subscribe(subscribePayload(request), {
        next: (value) => stream.push(value as never),
        error: (error) => {
          stream.end(upstreamFailure(request, error));
          close();
        },
        complete: () => {
          stream.end();
          close();
        },
      });
      return stream;
    },
    async close() {
      await Promise.all([...open].map((client) => client.dispose()));
      open.clear();
    },
  };
}

/** `http://host/graphql` → `ws://host/graphql`, `https` → `wss`. */
export function webSocketUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, (_, secure: string) => `ws${secure}://`);
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
