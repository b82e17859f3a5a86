import type { GraphQLFormattedError } from 'graphql';
import type { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';

/** The GraphQL request sent to one subgraph for one fetch node. Hooks may change it before it is sent. */
export interface SubgraphRequest {
  readonly subgraph: string;
  url: string;
  readonly operationKind: 'query' | 'mutation' | 'subscription';
  readonly body: {
    readonly query: string;
    readonly operationName?: string;
    readonly variables?: Readonly<Record<string, unknown>>;
  };
  /** Lower-case header names. */
  headers: Record<string, string>;
}

/** A subgraph's answer, parsed. `body` is always a GraphQL response object (validated by the client). */
export interface SubgraphResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: {
    readonly data?: Record<string, unknown> | null;
    readonly errors?: readonly GraphQLFormattedError[];
    readonly extensions?: Record<string, unknown>;
  };
}

/**
 * The transport seam: one method that sends a request and returns the parsed answer, or throws an
 * `AtriumError` (`SUBGRAPH_UNAVAILABLE`, `SUBGRAPH_BAD_RESPONSE`, `SUBGRAPH_TIMEOUT` when `signal` fires
 * because of the timeout). The undici transport is the production one; tests may pass an in-process one.
 */
export interface SubgraphTransport {
  send(request: SubgraphRequest, signal: AbortSignal): Promise<SubgraphResponse>;
  close(): Promise<void>;
}

/** Payload of the hook that runs before every subgraph fetch. */
export interface SubgraphFetchHookPayload {
  readonly request: SubgraphRequest;
  readonly context: RequestContext;
  /** Answer the fetch without calling the subgraph (cache, dedup, mocks). */
  setResponse(response: SubgraphResponse): void;
}

/** Payload of the hook that runs after a fetch, with its response or the error it ended in. */
export interface SubgraphFetchDonePayload {
  readonly request: SubgraphRequest;
  readonly context: RequestContext;
  readonly response: SubgraphResponse | undefined;
  readonly error: AtriumError | undefined;
  readonly durationMs: number;
  /** Replace the response (or turn an error into a response). */
  setResponse(response: SubgraphResponse): void;
}

/** Runs before a fetch; may return the hook to run once the fetch has ended. */
export type SubgraphFetchHook = (
  payload: SubgraphFetchHookPayload,
) => void | SubgraphFetchDoneHook | Promise<void | SubgraphFetchDoneHook>;
export type SubgraphFetchDoneHook = (payload: SubgraphFetchDonePayload) => void | Promise<void>;

/** What the executor calls for every fetch node. */
export interface SubgraphClient {
  fetch(request: SubgraphRequest, options: { context: RequestContext; signal: AbortSignal }): Promise<SubgraphResponse>;
  /**
   * Opens a subscription (the primary fetch of a subscription plan) and returns its events. Absent on a
   * client without a subscription transport: the engine then refuses subscriptions.
   */
  subscribe?(request: SubgraphRequest, options: { context: RequestContext; signal: AbortSignal }): Promise<SubgraphEventStream>;
  close(): Promise<void>;
}

/**
 * The events of one upstream subscription: each is a GraphQL response body. The stream ends when the
 * subgraph completes it, and throws an `AtriumError` naming the subgraph when the subgraph closes or fails;
 * `return()` (the client left) closes the upstream subscription.
 */
export type SubgraphEventStream = AsyncGenerator<SubgraphResponse['body'], undefined, undefined>;

/** The subscription seam: opens one upstream subscription (`websocket-transport.ts`: graphql-transport-ws). */
export interface SubgraphSubscriptionTransport {
  subscribe(request: SubgraphRequest, signal: AbortSignal): SubgraphEventStream;
  /** Closes every open upstream subscription. */
  close(): Promise<void>;
}

/** Sends one attempt of a fetch (the subgraph's timeout applied); what a {@link SubgraphFetchPolicy} retries. */
export type SendAttempt = (request: SubgraphRequest, signal: AbortSignal) => Promise<SubgraphResponse>;

/**
 * What traffic management adds around one subgraph's fetches (gateway/traffic/). Every member is
 * optional, and a subgraph with nothing configured has no policy at all, so its fetches take the plain path.
 */
export interface SubgraphFetchPolicy {
  /** Header rules toward the subgraph; runs before the plugins' `onSubgraphFetch` hooks. */
  prepareRequest?(request: SubgraphRequest, context: RequestContext): void;
  /** Runs the attempts: picks the instance (sets `request.url`), retries, circuit breaker, shadow traffic. */
  execute?(request: SubgraphRequest, context: RequestContext, signal: AbortSignal, attempt: SendAttempt): Promise<SubgraphResponse>;
  /** Passes selected response headers back to the client; runs on the final response. */
  finishResponse?(response: SubgraphResponse, context: RequestContext): void;
}
