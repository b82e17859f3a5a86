import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../request-context.js';

// graphql-js ends validation messages with ` Did you mean "orders", "order", or "orderById"?` (its
// didYouMean helper), which spells out the schema to callers who may not introspect it.
const SUGGESTION = / ?Did you mean .+\?$/s;

/** `message` without graphql-js's trailing "Did you mean …?" suggestion. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Whether validation messages to this caller must not name schema elements: introspection is off
 * (`graphql.introspection: false`), or limited to `security.introspectionScope` and the caller's principal
 * lacks that scope. Either way the schema is not the caller's to read, and suggestions would leak it.
 */
export function hidesSchemaFrom(access: IntrospectionAccess, context: RequestContext): boolean {
  if (!access.introspection) return true;
  const scope = access.introspectionScope;
  return scope !== undefined && !context.principal?.scopes.includes(scope);
}

/** Who may introspect: `graphql.introspection` and `security.introspectionScope`. */
export interface IntrospectionAccess {
  readonly introspection: boolean;
  readonly introspectionScope?: string | undefined;
}

/**
 * Strips the suggestions from the validation errors of callers who may not introspect
 * (see {@link hidesSchemaFrom}). With introspection off for everyone Apollo Server's own
 * `hideSchemaDetailsFromClientErrors` does it as well; this plugin covers the per-caller scope.
 */
export function hideSchemaSuggestionsPlugin(access: IntrospectionAccess): ApolloServerPlugin<{ readonly atrium: RequestContext }> {
  return {
    async requestDidStart({ contextValue: { atrium: context } }) {
      if (!hidesSchemaFrom(access, context)) return;
      return {
        async validationDidStart() {
          return async (errors) => {
            for (const error of errors ?? []) error.message = withoutSuggestions(error.message);
          };
        },
      };
    },
  };
}
