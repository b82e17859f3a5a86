import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import type { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphFetchHook } from '../subgraph-client/types.js';

/**
 * The whole plugin contract. Hooks run in the order plugins are listed; each gets one payload object,
 * changes things only through its setters, and may `reject` with an `AtriumError` (which ends the request
 * with that error's code and HTTP status). Plugins never import each other.
 *
 * Order of one GraphQL request: onRequest (HTTP, before parsing) → parse + validate → onOperation →
 * plan → onPlan → execute (onSubgraphFetch around every fetch) → shape → onResponse.
 */
export interface AtriumPlugin {
  /** The plugin's config key in gateway.yaml. */
  readonly name: string;
  onRequest?(payload: RequestHookPayload): void | Promise<void>;
  onOperation?(payload: OperationHookPayload): void | Promise<void>;
  onPlan?(payload: PlanHookPayload): void | Promise<void>;
  onSubgraphFetch?: SubgraphFetchHook;
  onResponse?(payload: ResponseHookPayload): void | Promise<void>;
}

export interface RequestHookPayload {
  readonly context: RequestContext;
  reject(error: AtriumError): void;
}

/** After validation against the API schema, before planning: the place for authorization and limits. */
export interface OperationHookPayload {
  readonly context: RequestContext;
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
  readonly plan: QueryPlan;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  reject(error: AtriumError): void;
}

/** After the response is shaped: the place for actual cost, extensions and response headers. */
export interface ResponseHookPayload {
  readonly context: RequestContext;
  readonly result: ExecutionResult;
  setExtension(key: string, value: unknown): void;
}
