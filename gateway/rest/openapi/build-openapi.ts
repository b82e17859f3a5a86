import { getNullableType, GraphQLNonNull, type GraphQLInputType, isNonNullType, print } from 'graphql';
import type { GatewayConfig } from '../../config/schema.js';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import type { CompiledRoute, RouteVariable } from '../compile-route.js';
import type { RouteEntry } from '../route-table.js';
import { openApiPath } from '../route-template.js';
import { PARTIAL_ERRORS_HEADER } from '../translate-response.js';
import { defaultOf, type JsonSchema, JsonSchemaBuilder } from './json-schema.js';
import { problemComponents, problemResponsesFor } from './problem-components.js';
import { routeAccess, securityRequirements, securitySchemes } from './security.js';

/** What the OpenAPI document is built from. */
export interface OpenApiSource {
  readonly config: GatewayConfig;
  /** The route table's entries; routes that do not validate against `supergraph` are left out. */
  readonly routes: readonly RouteEntry[];
  readonly supergraph: LoadedSupergraph;
}

/**
 * The OpenAPI 3.1 document of the REST routes: one operation per route, its parameters typed from the
 * variables' GraphQL types, its request body from the body variables, its response from the selection
 * set (nullability, enums, lists, descriptions and deprecations from the schema), problem+json error
 * responses, and security schemes from the auth config with each route's requirements from
 * `@authenticated`/`@requiresScopes`.
 *
 * @example
 * const document = buildOpenApi({ config, routes: table.entries, supergraph });
 * JSON.stringify(document.paths['/v1/products/{upc}'].get.responses['200']);
 */
export function buildOpenApi(source: OpenApiSource): Record<string, unknown> & { paths: Record<string, Record<string, unknown>> } {
  const { config, supergraph } = source;
  const schemas = new JsonSchemaBuilder(supergraph.apiSchema);
  const schemes = securitySchemes(config);
  const context: DocumentContext = { schemas, supergraph, schemes, requireCredentials: config.auth.required };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of source.routes) {
    if (!entry.compiled) continue;
    const path = openApiPath(entry.template);
    paths[path] ??= {};
    paths[path][entry.config.method.toLowerCase()] = operationOf(entry.compiled, context);
  }
  const { schemas: problemSchemas, responses } = problemComponents();
  return {
    openapi: '3.1.0',
    info: {
      title: config.rest.title,
      version: config.rest.version,
      description:
        'REST routes served by an Atrium GraphQL gateway. Each route runs one stored GraphQL operation through the ' +
        'same pipeline as the GraphQL endpoint; errors are RFC 9457 problem+json documents.',
      ...(config.rest.license && { license: config.rest.license }),
    },
    servers: [{ url: config.rest.basePath === '' ? '/' : config.rest.basePath }],
    paths,
    components: {
      schemas: { ...schemas.components, ...problemSchemas },
      responses,
      ...(schemes && { securitySchemes: schemes }),
    },
  };
}

/** What every operation of one document is built with. */
interface DocumentContext {
  readonly schemas: JsonSchemaBuilder;
  readonly supergraph: LoadedSupergraph;
  readonly schemes: Record<string, unknown> | undefined;
  /** gateway.yaml's `auth.required`: every route needs credentials. */
  readonly requireCredentials: boolean;
}

function operationOf(route: CompiledRoute, context: DocumentContext): Record<string, unknown> {
  const { schemas, supergraph, schemes, requireCredentials } = context;
  const { config, selected } = route;
  const access = routeAccess(supergraph, route, { required: requireCredentials });
  const security = securityRequirements(access, schemes);
  const parameters = route.variables.flatMap((variable) => {
    const place = placeOf(variable);
    return place === 'path' || place === 'query' ? [parameterOf(variable, place, schemas)] : [];
  });
  const success: Record<string, unknown> = {
    description: selected.field.description ?? `The value of ${route.select.join('.')}.`,
    headers: {
      [PARTIAL_ERRORS_HEADER]: {
        description: 'Present when part of the data could not be fetched: a JSON array of { message, code, path }.',
        schema: { type: 'string' },
      },
      ...(config.method === 'GET' && { ETag: { description: 'A tag of the body, for If-None-Match.', schema: { type: 'string' } } }),
    },
    content: { 'application/json': { schema: schemas.output(nonNull(selected.type), selected.node.selectionSet, route.fragments) } },
  };
  return {
    operationId: operationIdOf(config.method, route),
    summary: config.summary ?? selected.field.description ?? `${config.method} ${config.path}`,
    description: `Runs the GraphQL ${route.operation.operation}:\n\n\`\`\`graphql\n${print(route.operation)}\n\`\`\``,
    ...(selected.field.deprecationReason && { deprecated: true }),
    ...(parameters.length > 0 && { parameters }),
    ...requestBodyOf(route, schemas),
    responses: {
      [String(config.status)]: success,
      ...(config.method === 'GET' && { '304': { description: 'Not modified: the body is the one the If-None-Match tag names.' } }),
      ...problemResponsesFor({ secured: security !== undefined }),
    },
    // A public route says so (`security: []`): linters (Redocly's security-defined rule) and readers cannot
    // tell a forgotten requirement from none.
    ...(security ? { security } : !access.authenticated && { security: [] }),
  };
}

/** Where the document says a variable goes: the path, the query string or the body. */
function placeOf(variable: RouteVariable): 'path' | 'query' | 'body' | undefined {
  if (variable.sources.includes('path')) return 'path';
  if (variable.sources.includes('body')) return 'body';
  return variable.sources.includes('query') ? 'query' : undefined;
}

function parameterOf(variable: RouteVariable, place: 'path' | 'query', schemas: JsonSchemaBuilder): Record<string, unknown> {
  // A query string cannot spell null: the parameter is absent instead.
  const schema: JsonSchema = schemas.input(nonNull(variable.type) as GraphQLInputType);
  const defaultValue = defaultOf(variable.defaultValue, variable.type);
  if (defaultValue !== undefined) schema.default = defaultValue;
  return {
    name: variable.name,
    in: place,
    required: place === 'path' || variable.required,
    schema,
    ...(schema.type === 'array' && { style: 'form', explode: true }),
  };
}

function requestBodyOf(route: CompiledRoute, schemas: JsonSchemaBuilder): Record<string, unknown> {
  const bodyVariables = route.variables.filter((variable) => placeOf(variable) === 'body');
  if (bodyVariables.length === 0) return {};
  const whole = route.config.body === undefined ? undefined : bodyVariables.find((v) => v.name === route.config.body);
  let schema: JsonSchema;
  let required: boolean;
  if (whole) {
    schema = schemas.input(whole.type);
    required = whole.required;
  } else {
    const properties = Object.fromEntries(bodyVariables.map((variable) => [variable.name, schemas.input(variable.type)]));
    const requiredNames = bodyVariables.filter((variable) => variable.required).map((variable) => variable.name);
    schema = { type: 'object', properties, ...(requiredNames.length > 0 && { required: requiredNames }), additionalProperties: false };
    required = requiredNames.length > 0;
  }
  return { requestBody: { required, content: { 'application/json': { schema } } } };
}

function operationIdOf(method: string, route: CompiledRoute): string {
  const words = route.template.segments.map((segment) => (segment.kind === 'literal' ? segment.text : `by ${segment.name}`));
  return [method.toLowerCase(), ...words]
    .join(' ')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1)))
    .join('');
}

function nonNull<T extends GraphQLInputType | CompiledRoute['selected']['type']>(type: T): T {
  return (isNonNullType(type) ? type : new GraphQLNonNull(getNullableType(type) as never)) as T;
}
