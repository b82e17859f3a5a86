import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  parse,
  typeFromAST,
  validate,
  type ValueNode,
} from 'graphql';
import type { GatewayConfig } from '../config/schema.js';
import { parseRouteTemplate, type RouteTemplate } from './route-template.js';
import { selectedFields } from './selection-fields.js';

/** One route of gateway.yaml's `rest.routes`. */
export type RestRouteConfig = GatewayConfig['rest']['routes'][number];

/** Where a request supplies a variable. */
export type ParameterSource = 'path' | 'query' | 'body';

/** One variable of a route's operation, and where requests may supply it. */
export interface RouteVariable {
  readonly name: string;
  readonly type: GraphQLInputType;
  /** Non-null without a default: a request that does not supply it gets 400. */
  readonly required: boolean;
  readonly defaultValue: ValueNode | undefined;
  /** Where a request may supply it, first wins: the path, the query string, the JSON body. */
  readonly sources: readonly ParameterSource[];
}

/** The value a route answers with: a field of the operation and the schema's view of it. */
export interface SelectedValue {
  readonly node: FieldNode;
  readonly field: GraphQLField<unknown, unknown>;
  readonly type: GraphQLOutputType;
}

/** A route checked against one API schema, ready to serve. */
export interface CompiledRoute {
  readonly config: RestRouteConfig;
  readonly template: RouteTemplate;
  /** The operation text sent as `query`. */
  readonly query: string;
  readonly operationName: string | undefined;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: readonly RouteVariable[];
  /** Response keys from `data` to the value the route answers with. */
  readonly select: readonly string[];
  /** The schema's field names behind `select` (they differ where the operation uses aliases). */
  readonly selectFields: readonly string[];
  readonly selected: SelectedValue;
}

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Whether requests with this method may carry a JSON body the route reads. */
export function takesBody(method: string): boolean {
  return BODY_METHODS.has(method);
}

/**
 * Checks one route against an API schema: the operation parses and validates, a GET route runs a query,
 * every path parameter names a variable of a scalar or enum type, every required variable has a source,
 * and the selected value exists. Returns the compiled route, or the problems (without the route's name).
 *
 * @example
 * const result = compileRoute(route, 'query P($upc: String!) { product(upc: $upc) { name } }', apiSchema);
 * if ('problems' in result) console.error(result.problems);
 */
export function compileRoute(
  config: RestRouteConfig,
  query: string,
  schema: GraphQLSchema,
): { route: CompiledRoute } | { problems: string[] } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { problems: [`the operation does not parse: ${(error as GraphQLError).message}`] };
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { problems: invalid.map((error) => `the operation does not validate: ${error.message}`) };

  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    config.operationName === undefined
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === config.operationName);
  if (!operation) {
    return {
      problems: [
        config.operationName === undefined
          ? `the document holds ${operations.length} operations: name one with operationName`
          : `the document has no operation named "${config.operationName}"`,
      ],
    };
  }
  const problems: string[] = [];
  if (operation.operation === 'subscription') problems.push('subscriptions cannot be served as REST routes');
  if (config.method === 'GET' && operation.operation !== 'query') {
    problems.push(`a GET route must run a query, not a ${operation.operation}`);
  }
  const template = parseRouteTemplate(config.path);
  const variables = routeVariables(config, template, operation, schema, problems);
  const fragments = new Map(
    document.definitions.flatMap((d): [string, FragmentDefinitionNode][] => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  const rootType = schema.getRootType(operation.operation);
  const selection = rootType && selectValue(config.select, operation, rootType, fragments, problems);
  if (problems.length > 0 || !selection) return { problems };
  return {
    route: {
      config,
      template,
      query,
      operationName: operation.name?.value,
      document,
      operation,
      fragments,
      variables,
      select: selection.select,
      selectFields: selection.fields,
      selected: selection.selected,
    },
  };
}

function routeVariables(
  config: RestRouteConfig,
  template: RouteTemplate,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  problems: string[],
): RouteVariable[] {
  const definitions = operation.variableDefinitions ?? [];
  const names = new Set(definitions.map((d) => d.variable.name.value));
  for (const param of template.params) {
    if (!names.has(param)) problems.push(`path parameter :${param} matches no variable of the operation`);
  }
  if (config.body !== undefined) {
    if (!names.has(config.body)) problems.push(`body names $${config.body}, which the operation does not declare`);
    if (!takesBody(config.method)) problems.push(`body is set, but ${config.method} requests carry no body`);
    if (template.params.includes(config.body)) problems.push(`$${config.body} cannot come from both the path and the body`);
  }
  return definitions.flatMap((definition): RouteVariable[] => {
    const name = definition.variable.name.value;
    // Validation has already checked that the type exists and is an input type.
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType;
    const required = isNonNullType(type) && definition.defaultValue === undefined;
    const sources = sourcesOf(name, type, config, template);
    if (sources[0] === 'path' && !isLeafType(getNullableType(type))) {
      problems.push(`path parameter :${name} must be a scalar or enum variable, but $${name} is ${String(type)}`);
    }
    if (required && sources.length === 0) {
      problems.push(`$${name} (${String(type)}) is required but no request can supply it: ${config.method} requests carry no body`);
    }
    return [{ name, type, required, defaultValue: definition.defaultValue, sources }];
  });
}

function sourcesOf(name: string, type: GraphQLInputType, config: RestRouteConfig, template: RouteTemplate): ParameterSource[] {
  if (template.params.includes(name)) return ['path'];
  if (config.body !== undefined) {
    if (config.body === name) return ['body'];
    return isQueryStringType(type) ? ['query'] : [];
  }
  const sources: ParameterSource[] = isQueryStringType(type) ? ['query'] : [];
  if (takesBody(config.method)) sources.push('body');
  return sources;
}

/** Scalars, enums, and lists of them (`?tag=a&tag=b`): what a query string can spell. */
export function isQueryStringType(type: GraphQLInputType): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return isLeafType(getNullableType(nullable.ofType));
  return isLeafType(nullable);
}

function isLeafType(type: unknown): boolean {
  return isScalarType(type) || isEnumType(type);
}

function selectValue(
  select: string | undefined,
  operation: OperationDefinitionNode,
  rootType: GraphQLNamedType,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  problems: string[],
): { select: string[]; fields: string[]; selected: SelectedValue } | undefined {
  let keys: string[];
  if (select === undefined) {
    const roots = [...new Set(selectedFields(operation.selectionSet, fragments).map((f) => f.key))].filter((k) => k !== '__typename');
    if (roots.length !== 1) {
      problems.push(`the operation selects ${roots.length} root fields (${roots.join(', ')}): select the one to answer with`);
      return undefined;
    }
    keys = roots;
  } else {
    keys = select.split('.');
  }
  let parent: GraphQLNamedType = rootType;
  let selectionSet = operation.selectionSet;
  let selected: SelectedValue | undefined;
  const fields: string[] = [];
  for (const [index, key] of keys.entries()) {
    const found = selectionSet && selectedFields(selectionSet, fragments).find((f) => f.key === key);
    const field = found && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[found.node.name.value] : undefined;
    if (!found || !field) {
      problems.push(`select: "${keys.slice(0, index + 1).join('.')}" is not a field the operation selects`);
      return undefined;
    }
    selected = { node: found.node, field, type: field.type };
    fields.push(field.name);
    const isLast = index === keys.length - 1;
    if (!isLast && (isListType(getNullableType(field.type)) || !isCompositeType(getNamedType(field.type)))) {
      problems.push(`select: "${keys.slice(0, index + 1).join('.')}" must be a single object to select "${keys[index + 1]}" in it`);
      return undefined;
    }
    parent = getNamedType(field.type);
    selectionSet = found.node.selectionSet!;
  }
  return { select: keys, fields, selected: selected! };
}
