import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';

/**
 * Validation rule used when `graphql.introspection` is false: refuses `__schema` and `__type` (HTTP 400,
 * `GRAPHQL_VALIDATION_FAILED`). It replaces Apollo Server's own NoIntrospection rule, whose message tells
 * clients to "pass introspection: true to ApolloServer", which is not how Atrium is configured.
 * `__typename` stays allowed: clients need it, and it reveals nothing about the schema.
 */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const name = node.name.value;
      if (name === '__schema' || name === '__type') {
        context.reportError(
          new GraphQLError(`introspection is disabled on this gateway (graphql.introspection: false); the query asks for ${name}`, {
            nodes: [node],
          }),
        );
      }
    },
  };
}
