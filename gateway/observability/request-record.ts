import type { Span } from '@opentelemetry/api';
import type { ExecutionResult } from 'graphql';

/** One subgraph call of a request, as the access log lists it. */
export interface SubgraphCall {
  readonly name: string;
  readonly durationMs: number;
  /** The failure's code, or `GRAPHQL_ERRORS` when the subgraph answered with errors. */
  readonly error?: string;
}

/** What the observability plugin learns about one request as its hooks run (kept per RequestContext). */
export interface RequestRecord {
  operationName: string | undefined;
  operationType: string | undefined;
  queryHash: string | undefined;
  variables: Readonly<Record<string, unknown>> | undefined;
  subgraphs: SubgraphCall[] | undefined;
  /** The response; hooks after this plugin's may still add extensions (`cost`), so it is read at the end. */
  result: ExecutionResult | undefined;
  /** The request's span when tracing is on. */
  span: Span | undefined;
  /** `traceparent` (and `tracestate`) of an unsampled request's span, made on its first subgraph fetch. */
  propagation: Readonly<Record<string, string>> | undefined;
}

/**
 * A fresh record.
 *
 * @example
 * records.set(context, newRequestRecord());
 */
export function newRequestRecord(): RequestRecord {
  return {
    operationName: undefined,
    operationType: undefined,
    queryHash: undefined,
    variables: undefined,
    subgraphs: undefined,
    result: undefined,
    span: undefined,
    propagation: undefined,
  };
}

/** Milliseconds rounded to hundredths: enough for latencies, short in logs. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
