import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { type ASTVisitor, type DocumentNode, type GraphQLError, type GraphQLFormattedError, parse, type ValidationContext } from 'graphql';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { PersistedQueryStore, ServerHooks } from './hooks.js';
import type { ApolloContext } from './graphql-handler.js';

/** Apollo Server prefixes the keys of its persisted-query cache with this. */
const APQ_PREFIX = 'apq:';

/** Documents that stand in for rejected ones, with the rejection to answer. */
const rejectedDocuments = new WeakMap<DocumentNode, GraphQLError>();
/** Rejections reported through validation, to be shown as themselves (see restoreRejection). */
const rejections = new WeakSet<GraphQLError>();

/**
 * Runs the Atrium plugins' `onDocument` hooks inside Apollo Server's request pipeline: right before
 * validation for a freshly parsed document, or once the operation is resolved when the document came
 * from the document cache (which skips parsing and validation). Either way exactly once per operation.
 *
 * Apollo Server answers any error thrown before validation with 500, and its validation (graphql-js's,
 * quadratic in overlapping fields) is exactly what a rejected document must not reach. So a rejection
 * before validation swaps in a trivial stand-in document, which {@link standInRule} fails with the
 * rejection: validation takes no time, the failed document is not cached (a later request with the same
 * text is judged afresh), and `restoreRejection` shows the rejection's own code and extensions.
 */
export function documentHooksPlugin(plugins: readonly ServerHooks[]): ApolloServerPlugin<ApolloContext> {
  const hooks = plugins.filter((plugin) => plugin.onDocument);
  if (hooks.length === 0) return {};
  const run = async (request: GraphQLRequestContext<ApolloContext>): Promise<GraphQLError | undefined> => {
    let rejected: AtriumError | undefined;
    for (const plugin of hooks) {
      await plugin.onDocument!({
        context: request.contextValue.atrium,
        source: request.source!,
        queryHash: request.queryHash ?? '',
        document: request.document!,
        reject(error) {
          rejected ??= error;
        },
      });
      if (rejected) return toGraphQLError(rejected, { decidesStatus: true });
    }
    return undefined;
  };
  return {
    async requestDidStart() {
      let ran = false;
      return {
        async validationDidStart(request) {
          ran = true;
          const rejection = await run(request);
          if (!rejection) return;
          const standIn = parse('{ __typename }', { noLocation: true });
          rejectedDocuments.set(standIn, rejection);
          rejections.add(rejection);
          (request as { document: DocumentNode }).document = standIn;
        },
        async didResolveOperation(request) {
          if (ran) return;
          ran = true;
          const rejection = await run(request);
          if (rejection) throw rejection;
        },
      };
    },
  };
}

/** Validation rule: fails a stand-in document (see documentHooksPlugin) with the rejection it stands for. */
export function standInRule(context: ValidationContext): ASTVisitor {
  const rejection = rejectedDocuments.get(context.getDocument());
  if (rejection) context.reportError(rejection);
  return {};
}

/**
 * Apollo Server wraps validation errors as GRAPHQL_VALIDATION_FAILED (status 400); a rejection reported
 * through {@link standInRule} is shown as itself instead: its message, code and extensions.
 */
export function restoreRejection(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | undefined {
  const original = (error as { originalError?: unknown } | null)?.originalError;
  if (!(original instanceof Object) || !rejections.has(original as GraphQLError)) return undefined;
  const { http: _http, ...extensions } = (original as GraphQLError).extensions;
  return { message: formatted.message, extensions };
}

/**
 * The plugins' persisted-query store as Apollo Server's key-value cache: lookups of hash-only requests
 * read it, APQ registrations (`{ query, extensions.persistedQuery }`, hash checked by Apollo Server) write it.
 */
export function persistedQueryCache(store: PersistedQueryStore) {
  const idOf = (key: string) => (key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
  return {
    get: (key: string) => store.get(idOf(key)),
    set: (key: string, value: string) => store.register(idOf(key), value),
    async delete() {
      return false;
    },
  };
}

// graphql-js 16 spells it "more that"; a later release may fix the typo.
const PARSER_TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens\. Parsing aborted\.$/;

/**
 * graphql-js's parser reports `parseOptions.maxTokens` as a syntax error; it is the token limit of
 * `limits.maxTokens`, so it gets that limit's code and extensions. `actual` is max + 1: the parser stops
 * counting there.
 */
export function tokenLimitError(formatted: GraphQLFormattedError, maxTokens: number | undefined): GraphQLFormattedError | undefined {
  if (maxTokens === undefined || !PARSER_TOKEN_LIMIT.test(formatted.message)) return undefined;
  const error = new AtriumError('MAX_TOKENS_EXCEEDED', `query has more than ${maxTokens} tokens; limits.maxTokens allows ${maxTokens}`, {
    extensions: { limit: 'maxTokens', max: maxTokens, actual: maxTokens + 1 },
  });
  return { message: error.message, extensions: { ...error.extensions, code: error.code } };
}
