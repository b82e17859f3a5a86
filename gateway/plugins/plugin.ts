import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphFetchHook } from '../subgraph-client/types.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';

/**
 * The whole plugin contract. Hooks run in the order plugins are listed; each gets one payload object,
 * changes things only through its setters, and may `reject` with an `AtriumError` (which ends the request
 * with that error's code and HTTP status). Plugins never import each other.
 *
 * Order of one GraphQL request: onRequest (HTTP, before parsing) → parse → onDocument → validate →
 * onOperation → plan → onPlan → execute (onSubgraphFetch around every fetch) → shape → onResponse →
 * onHttpResponse. `onStage` brackets parse, validate, authorize (the onOperation hooks), plan and shape, for timing.
 */
export interface AtriumPlugin {
  /** The plugin's config key in gateway.yaml. */
  readonly name: string;
  onRequest?(payload: RequestHookPayload): void | Promise<void>;
  onDocument?(payload: DocumentHookPayload): void | Promise<void>;
  onOperation?(payload: OperationHookPayload): void | Promise<void>;
  onPlan?(payload: PlanHookPayload): void | Promise<void>;
  onSubgraphFetch?: SubgraphFetchHook;
  onResponse?(payload: ResponseHookPayload): void | Promise<void>;
  /**
   * When a stage of a GraphQL request begins; may return what runs when it ends. For timing (spans), not
   * for changing anything. Leave it out unless needed: with no plugin listening, stages cost nothing.
   */
  onStage?(payload: StageHookPayload): void | StageEndHook;
  /**
   * After the gateway has answered any HTTP request except the probes — including the ones it refused
   * before GraphQL ran (400, 404, 413) or a plugin rejected in `onRequest` (401, 429): the place for
   * access logs and request metrics. Runs after the response is written; it cannot change it.
   */
  onHttpResponse?(payload: HttpResponseHookPayload): void;
  /**
   * Extra HTTP endpoints the plugin serves on the gateway's port (for example `GET /metrics`). The server
   * tries them, in plugin order, for every path that is not the GraphQL endpoint or a probe.
   */
  readonly routes?: readonly HttpRoute[];
  /**
   * Where the GraphQL handler looks up persisted queries (trusted documents, APQ). The first plugin that
   * has one serves them; without any, hash-only requests get PERSISTED_QUERY_NOT_SUPPORTED.
   */
  readonly persistedQueries?: PersistedQueryStore;
  /**
   * Called on a config reload (SIGHUP): re-read the files the plugin loaded at startup. A rejection is
   * logged and the plugin keeps its current state.
   */
  reload?(): Promise<void>;
  /** Called once when the gateway closes: stop timers, close connections, flush exporters. */
  close?(): Promise<void>;
}

/** One extra HTTP endpoint. The route owns the response entirely (status, headers, body). */
export interface HttpRoute {
  /** True when this route serves `path` (the URL path without the query string), whatever the method. */
  matches(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void>;
}

/**
 * Before the GraphQL request is parsed (the HTTP body is read, nothing else): the place for
 * authentication and request-count limits. The context's principal may be set here.
 */
export interface RequestHookPayload {
  readonly context: RequestContext;
  reject(error: AtriumError): void;
}

/**
 * After parsing, before validation (which is the expensive part for hostile documents), for every
 * operation, also when the parsed document comes from the document cache: the place for operation limits
 * and trusted-document checks. The document is syntactically valid but not yet validated. A rejection
 * here answers with status 400 (Apollo Server reports it as a validation failure) and the error's own
 * code and extensions; checks that need another status belong in onOperation.
 */
export interface DocumentHookPayload {
  readonly context: RequestContext;
  /** The query text (for a persisted query, the text the id resolved to). */
  readonly source: string;
  /** The persisted-query id the client sent, or the SHA-256 (hex) of `source`. */
  readonly queryHash: string;
  readonly document: DocumentNode;
  reject(error: AtriumError): void;
}

/** Persisted query texts by id; `register` is called for APQ registrations (`{ query, persistedQuery }`). */
export interface PersistedQueryStore {
  get(id: string): Promise<string | undefined>;
  register(id: string, query: string): Promise<void>;
}

/** After validation against the API schema, before planning: the place for authorization and limits. */
export interface OperationHookPayload {
  readonly context: RequestContext;
  /** SHA-256 of the operation's query text, hex (Apollo Server's `queryHash`). */
  readonly queryHash: string;
  /** The supergraph this request runs on (it stays the same for the whole request, across hot reloads). */
  readonly supergraph: LoadedSupergraph;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Replace the operation (for example with unauthorized fields removed); it is planned instead. */
  setDocument(document: DocumentNode): void;
  /** Add an error to the response without ending the request (for example for each removed field). */
  addError(error: AtriumError, path?: readonly (string | number)[]): void;
  reject(error: AtriumError): void;
}

/** After planning, before any fetch: the place for cost analysis and quotas. */
export interface PlanHookPayload {
  readonly context: RequestContext;
  readonly supergraph: LoadedSupergraph;
  readonly plan: QueryPlan;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  reject(error: AtriumError): void;
  /**
   * Answer the operation without executing the plan (a response-cache hit). The plan hooks after this
   * one still run (quotas are still taken), then the response hooks.
   */
  respond(result: ExecutionResult): void;
}

/** After the response is shaped: the place for actual cost, extensions and response headers. */
export interface ResponseHookPayload {
  readonly context: RequestContext;
  readonly result: ExecutionResult;
  setExtension(key: string, value: unknown): void;
  /** Replace the response's `data` (for example `null` when authorization left nothing to answer). */
  setData(data: ExecutionResult['data']): void;
}

/** The timed stages of a GraphQL request, in order. Parse and validate are skipped for cached documents. */
export type Stage = 'parse' | 'validate' | 'authorize' | 'plan' | 'shape';

export interface StageHookPayload {
  readonly context: RequestContext;
  readonly stage: Stage;
}

/** Runs when a stage ends, with the error it ended in and facts about it (e.g. `{ cacheHit: true }` for plan). */
export type StageEndHook = (outcome?: StageOutcome) => void;

export interface StageOutcome {
  readonly error?: unknown;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

/** One answered HTTP request. */
export interface HttpResponseHookPayload {
  /** The request's id (also on `context`, which not every request gets). */
  readonly requestId: string;
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  readonly status: number;
  /** From the arrival of the request to the end of its response, in ms. */
  readonly durationMs: number;
  /** Codes of the GraphQL errors in the response (`extensions.code`), in order; empty when none. */
  readonly errorCodes: readonly string[];
  /**
   * The request context when the request got one (GraphQL requests with a usable body, plugin routes);
   * `undefined` for requests refused while the body was read or checked (413, malformed JSON, 404).
   */
  readonly context: RequestContext | undefined;
}
