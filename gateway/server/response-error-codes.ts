import type { GraphQLFormattedError } from 'graphql';

/**
 * The `extensions.code` of each error, in order; errors without a string code count as
 * `INTERNAL_SERVER_ERROR`, as Apollo Server reports them.
 *
 * @example
 * codesOfErrors([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]); // ['FORBIDDEN']
 */
export function codesOfErrors(errors: readonly Pick<GraphQLFormattedError, 'extensions'>[]): string[] {
  return errors.map((error) => {
    const code = error.extensions?.code;
    return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
  });
}

/**
 * The error codes of a GraphQL response body given as text; `[]` when it is not a GraphQL response
 * with errors. Only for answers that are already errors (it parses the whole body).
 *
 * @example
 * codesInResponseBody('{"errors":[{"message":"x","extensions":{"code":"BAD_REQUEST"}}]}'); // ['BAD_REQUEST']
 */
export function codesInResponseBody(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    return Array.isArray(parsed.errors) ? codesOfErrors(parsed.errors as GraphQLFormattedError[]) : [];
  } catch {
    return [];
  }
}
