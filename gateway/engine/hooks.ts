import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphFetchHook } from '../subgraph-client/contracts.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';

/**
 * The engine's hook contract: what runs between validation and the shaped response. The engine calls
 * these hooks in the order they are listed; each gets one payload object, changes things only through its
 * setters, and may `reject` with an `AtriumError` (the request ends with that error's code and status).
 *
 * Order: onOperation → plan → onPlan → execute (onSubgraphFetch around every fetch) → shape → onResponse.
 * `onStage` brackets authorize (the onOperation hooks), plan and shape — and, from the server, parse and
 * validate — for timing.
 */
export interface EngineHooks {
  onOperation?(payload: OperationHookPayload): void | Promise<void>;
  onPlan?(payload: PlanHookPayload): void | Promise<void>;
  onSubgraphFetch?: SubgraphFetchHook;
  onResponse?(payload: ResponseHookPayload): void | Promise<void>;
  /**
   * When a stage of a GraphQL request begins; may return what runs when it ends. For timing (spans), not
   * for changing anything. Leave it out unless needed: with no hook listening, stages cost nothing.
   */
  onStage?(payload: StageHookPayload): void | StageEndHook;
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
  /**
   * Set when the operation is answered in parts (`@defer`, incremental delivery): the hooks then run once
   * per payload, `result` is the response merged so far, and this is true for every payload but the last.
   * A hook that settles the request once (refunds, caching) waits for `hasNext: false`.
   */
  readonly hasNext?: boolean;
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
