import type { QueryPlan } from '@apollo/query-planner';
import type { PlanInput } from './planner-and-executor.js';

/**
 * Why an operation (or every operation of a supergraph) was planned by Apollo's planner in a gateway whose
 * planner is Hive's. Each is a capability the Hive path lacks; a Hive refusal of the operation itself
 * ("No paths found") is never one: the client gets it as a planning error. A bounded set, because each
 * reason is a label value of `atrium_planner_fallbacks_total`.
 */
export type PlannerFallbackReason =
  /** Hive's planner failed inside (e.g. "Expected a single parent" on some `@requires` chains). */
  | 'hive-planner-error'
  /** Hive's plan uses a construct Atrium's executor does not run (see `convertHivePlan`). */
  | 'unsupported-plan'
  /** Hive's plan gives one response key to two fields of a subgraph operation (a Hive planner bug). */
  | 'response-key-conflict'
  /** The operation selects a field with `@fromContext` arguments, which Hive's planner does not pass. */
  | 'context-arguments'
  /** The supergraph cannot be planned by Hive's planner here (see the engine's startup log). */
  | 'supergraph-unsupported';

/** A plan and the planner that made it. */
export interface ExplainedPlan {
  readonly plan: QueryPlan;
  readonly planner: 'apollo' | 'hive' | 'custom';
  /** Set when Hive's planner was asked first and Apollo's planned instead. */
  readonly fallback?: { readonly reason: PlannerFallbackReason; readonly detail: string };
}

/** A planner backend that can say who planned an operation (the hive backend: itself, or its fallback). */
export interface ExplainingPlanner {
  explain(input: PlanInput): ExplainedPlan;
}
