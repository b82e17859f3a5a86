import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { deferLabelRule } from '../engine/defer-operation.js';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServerHooks } from './hooks.js';
import type { BeginStage } from '../engine/stage-hooks.js';
import type { RequestContext } from '../request-context.js';
import { codesInResponseBody, codesOfErrors } from './response-error-codes.js';
import { documentHooksPlugin, persistedQueryCache, restoreRejection, standInRule, tokenLimitError } from './apollo-bridge.js';
import { runBatch } from './batch.js';
import { noIntrospectionRule } from './no-introspection-rule.js';
import { hideSchemaSuggestionsPlugin } from './hide-schema-suggestions.js';
import { recodeApolloBadRequest } from './apollo-error-codes.js';
import { OperationLimiter } from './operation-limiter.js';
import type { HttpGraphQLRequest, HttpResponse } from '../http/graphql-exchange.js';
import { acceptedMultipart, multipartFraming, partError } from '../http/multipart.js';
import type { SubsequentResult } from '../engine/incremental-response.js';

/**
 * Apollo Server's context value. Apollo Server shallow-copies the context value for every operation, so
 * the RequestContext travels inside it: every hook, before and inside Apollo Server, then sees the same
 * RequestContext object (plugins key their per-request state by it in WeakMaps).
 */
export interface ApolloContext {
  readonly atrium: RequestContext;
}

/** The GraphQL-over-HTTP layer: Apollo Server 5 in gateway mode with Atrium's engine as the executor. */
export interface GraphQLHandler {
  handle(request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse>;
  /** The engine requests start on now. */
  readonly engine: Engine;
  /** Atomically replaces the engine (hot reload): requests in flight finish on the old one. */
  swapEngine(engine: Engine): void;
  stop(): Promise<void>;
}

/**
 * Starts Apollo Server over the engine. Apollo Server owns parsing (with its document cache), persisted
 * query lookups (from the plugins' store), validation, GET/POST semantics, content negotiation, CSRF
 * prevention and error formatting; the plugins' `onDocument` hooks run between parsing and validation,
 * and everything after validation is Atrium's engine. A JSON array body is a batch: each operation runs
 * through the whole pipeline on its own.
 */
export async function createGraphQLHandler(options: {
  engine: Engine;
  config: GatewayConfig;
  logger: Logger;
  /** The plugins' stage hooks: parse and validate happen inside Apollo Server and are announced from there. */
  beginStage?: BeginStage;
  /** List the GraphQL error codes of each response in `HttpResponse.errorCodes` (someone logs or counts them). */
  collectErrorCodes?: boolean;
  /** For their `onDocument` hooks and persisted-query store. */
  plugins?: readonly ServerHooks[];
}): Promise<GraphQLHandler> {
  const { config, logger, beginStage } = options;
  const plugins = options.plugins ?? [];
  const persistedQueries = plugins.find((plugin) => plugin.persistedQueries)?.persistedQueries;
  const { limits } = config;
  // In enforce mode the parser itself stops at the token limit, so an oversized document is never built.
  const parserMaxTokens = limits.mode === 'enforce' && limits.maxTokens > 0 ? limits.maxTokens : undefined;
  const errorCodes = options.collectErrorCodes ? new WeakMap<RequestContext, string[]>() : undefined;
  let engine = options.engine;
  // The engine of each API schema still referenced: a request validated against a schema runs on that
  // schema's engine even when a hot reload swapped in a new one meanwhile.
  const engineBySchema = new WeakMap<GraphQLSchema, Engine>([[engine.supergraph.apiSchema, engine]]);
  const limiter = new OperationLimiter(config.engine.maxConcurrentOperations);
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  // Requests whose client accepts incremental delivery; set to their later payloads once they have some.
  const incremental = new WeakMap<RequestContext, AsyncGenerator<SubsequentResult, undefined, undefined> | undefined>();
  const schemaContext = () => ({ apiSchema: engine.supergraph.apiSchema, coreSupergraphSdl: engine.supergraph.sdl });

  const gateway: GatewayInterface = {
    async load() {
      // Apollo Server subscribes before calling load() and needs the schema from that callback.
      for (const listener of listeners) listener(schemaContext());
      return {
        schema: engine.supergraph.apiSchema,
        executor: async (requestContext) => {
          const context = (requestContext.context as unknown as ApolloContext).atrium;
          const admitted = limiter.acquire(context.signal);
          if (admitted) {
            try {
              await admitted;
            } catch (reason) {
              // The request deadline (traffic.requestTimeout) passed while waiting: that is the answer.
              const error = reason instanceof AtriumError ? reason : new AtriumError('CLIENT_CLOSED_REQUEST', 'the client went away before the operation ran');
              return { errors: [toGraphQLError(error, { decidesStatus: true })] };
            }
          }
          // The whole request runs on the supergraph it was validated against.
          const current = engineBySchema.get(requestContext.schema) ?? engine;
          const operationRequest = {
            document: requestContext.document,
            operation: requestContext.operation,
            rawVariables: requestContext.request.variables,
            queryHash: requestContext.queryHash,
            context,
          };
          try {
            if (!incremental.has(context)) return await current.execute(operationRequest);
            const answer = await current.executeIncremental(operationRequest);
            if (!('subsequent' in answer)) return answer;
            // Apollo Server formats and answers the first payload; the later ones follow it (handleIncremental).
            incremental.set(context, answer.subsequent);
            return answer.initial;
          } catch (error) {
            logger.error({ err: error, requestId: context.requestId }, 'engine: unexpected failure');
            return {
              errors: [
                new GraphQLError('internal error while executing the operation', {
                  extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } },
                }),
              ],
            };
          } finally {
            limiter.release();
          }
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async stop() {},
  };

  const server = new ApolloServer<ApolloContext>({
    gateway,
    // Atrium's own rule refuses introspection (see noIntrospectionRule); Apollo Server's would name its option.
    introspection: true,
    csrfPrevention: config.graphql.csrfPrevention,
    includeStacktraceInErrorResponses: false,
    // No "Did you mean …?" in validation errors when nobody may introspect: they would list the schema.
    hideSchemaDetailsFromClientErrors: !config.graphql.introspection,
    // Apollo Server's default appends a newline, which makes a second (cons) string that is copied again
    // when written: one more copy of every response body per request.
    stringifyResult: (result) => JSON.stringify(result),
    validationRules: [standInRule, deferLabelRule, ...(config.graphql.introspection ? [] : [noIntrospectionRule])],
    ...(parserMaxTokens !== undefined && { parseOptions: { maxTokens: parserMaxTokens } }),
    persistedQueries: persistedQueries ? { cache: persistedQueryCache(persistedQueries), ttl: null } : false,
    plugins: [
      // Apollo's landing page loads Apollo Sandbox from a CDN (with telemetry), which the gateway's CSP
      // blocks anyway: browsers get Atrium's own bundled IDE (server.ide) or a GraphQL error.
      ApolloServerPluginLandingPageDisabled(),
      // Apollo Server installs its inline-trace plugin by default, and with it loads its usage-reporting
      // protobuf code (~400 KB of JavaScript at start-up); the plugin traces only when the schema is a
      // subgraph's, which a gateway's API schema never is.
      ApolloServerPluginInlineTraceDisabled(),
      documentHooksPlugin(plugins),
      requireOperationPlugin,
      ...(config.security.introspectionScope !== undefined ? [hideSchemaSuggestionsPlugin({ introspection: config.graphql.introspection, introspectionScope: config.security.introspectionScope })] : []),
      ...(beginStage || errorCodes ? [observingPlugin(beginStage, errorCodes)] : []),
    ],
    formatError: (formatted, error) =>
      restoreRejection(formatted, error) ??
      tokenLimitError(formatted, parserMaxTokens) ??
      recodeApolloBadRequest(formatted, error) ??
      codeByStatus(formatted, error),
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  await server.start();

  const handleOne = async (request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse> => {
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: request.method,
        headers: new HeaderMap(request.headers),
        search: request.search,
        body: request.body,
      },
      context: async () => ({ atrium: context }),
    });
    const headers = new Map<string, string>(response.headers);
    const status = response.status ?? 200;
    const body = response.body.kind === 'complete' ? response.body.string : response.body.asyncIterator;
    if (!errorCodes) return { status, headers, body };
    // Errors Apollo Server raises before its request pipeline (CSRF, a body without `query`) reach no
    // plugin hook: read their codes from the (small) error body.
    const codes = errorCodes.get(context) ?? (status >= 400 && typeof body === 'string' ? codesInResponseBody(body) : undefined);
    return codes ? { status, headers, body, errorCodes: codes } : { status, headers, body };
  };

  /**
   * A client that accepts `multipart/mixed; deferSpec=20220824`: Apollo Server is asked for JSON (it knows
   * no multipart), and when the engine deferred fragments its answer becomes the first part, the later
   * payloads the next ones. An operation that deferred nothing is answered as usual, in JSON.
   */
  const handleIncremental = async (request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse> => {
    incremental.set(context, undefined);
    const headers = new Map(request.headers);
    headers.set('accept', withoutMultipart(request.headers.get('accept')));
    const response = await handleOne({ ...request, headers }, context);
    const subsequent = incremental.get(context);
    if (!subsequent || typeof response.body !== 'string' || !response.body.endsWith('}')) {
      void subsequent?.return(undefined);
      return response;
    }
    const framing = multipartFraming('-', 'deferSpec=20220824');
    const first = `${response.body.slice(0, -1)},"hasNext":true}`;
    async function* parts(): AsyncGenerator<string, undefined, undefined> {
      yield framing.start + framing.part(first);
      for await (const payload of subsequent!) {
        const incrementalParts = payload.incremental.map((part) => ({ ...part, ...(part.errors && { errors: part.errors.map(partError) }) }));
        yield framing.part(JSON.stringify({ incremental: incrementalParts, hasNext: payload.hasNext, ...(payload.extensions && { extensions: payload.extensions }) }));
      }
      yield framing.end;
      return undefined;
    }
    const multipartHeaders = new Map(response.headers);
    multipartHeaders.set('content-type', framing.contentType);
    multipartHeaders.delete('content-length');
    return { ...response, headers: multipartHeaders, body: parts() };
  };

  return {
    handle(request, context) {
      if (!Array.isArray(request.body)) {
        return acceptedMultipart(request.headers.get('accept'))?.deferSpec === '20220824' ? handleIncremental(request, context) : handleOne(request, context);
      }
      return runBatch({ request, operations: request.body, context, limits, logger, handleOne });
    },
    get engine() {
      return engine;
    },
    swapEngine(next) {
      engineBySchema.set(next.supergraph.apiSchema, next);
      engine = next;
      for (const listener of listeners) listener(schemaContext());
    },
    async stop() {
      await server.stop();
    },
  };
}

/** The Accept header without its multipart member (Apollo Server answers JSON only). */
function withoutMultipart(accept: string | undefined): string {
  const rest = (accept ?? '').split(',').filter((member) => !member.trim().toLowerCase().startsWith('multipart/mixed'));
  return rest.length > 0 ? rest.join(',') : 'application/json';
}

/** Codes for the statuses Apollo Server answers with code BAD_REQUEST. */
const CODE_OF_STATUS: Readonly<Record<number, string>> = { 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE' };

/**
 * Apollo Server refuses a mutation sent over GET with HTTP 405, and an Accept header it cannot satisfy with
 * 406, both with code BAD_REQUEST; Atrium's error table gives them METHOD_NOT_ALLOWED and NOT_ACCEPTABLE,
 * and the status and the code must tell the same story.
 */
function codeByStatus(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const http = (error as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http;
  const code = typeof http?.status === 'number' ? CODE_OF_STATUS[http.status] : undefined;
  if (code === undefined) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code } };
}

/**
 * In gateway mode Apollo Server calls the executor even when `operationName` picks no operation of the
 * document (an unknown name, or several operations and none named), and answers whatever the executor
 * returns with 500 OPERATION_RESOLUTION_FAILURE. That is the client's mistake: refuse it before execution
 * with 400 OPERATION_NOT_FOUND and graphql-js's own wording.
 */
const requireOperationPlugin: ApolloServerPlugin<ApolloContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation !== undefined) return;
        const message =
          request.operationName === undefined || request.operationName === null
            ? 'Must provide operation name if query contains multiple operations.'
            : `Unknown operation named "${request.operationName}".`;
        throw toGraphQLError(new AtriumError('OPERATION_NOT_FOUND', message), { decidesStatus: true });
      },
    };
  },
};

/**
 * Announces the parse and validate stages (Apollo Server runs them) to the plugins' stage hooks, and
 * remembers the error codes of each response. Parse and validate are skipped for documents Apollo Server
 * has cached, so they are announced only when they run.
 */
function observingPlugin(
  beginStage: BeginStage | undefined,
  errorCodes: WeakMap<RequestContext, string[]> | undefined,
): ApolloServerPlugin<ApolloContext> {
  return {
    async requestDidStart({ contextValue: { atrium: context } }) {
      return {
        ...(beginStage && {
          async parsingDidStart() {
            const end = beginStage(context, 'parse');
            return end && (async (error?: Error) => end(error ? { error } : undefined));
          },
          async validationDidStart() {
            const end = beginStage(context, 'validate');
            return end && (async (errors?: readonly Error[]) => end(errors?.length ? { error: errors[0] } : undefined));
          },
        }),
        ...(errorCodes && {
          async willSendResponse({ response }) {
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            if (errors?.length) errorCodes.set(context, codesOfErrors(errors));
          },
        }),
      };
    },
  };
}
