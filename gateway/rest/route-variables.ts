import { type GraphQLInputType, getNullableType, isEnumType, isListType, isScalarType } from 'graphql';
import { AtriumError } from '../errors.js';
import type { CompiledRoute, ParameterSource } from './compile-route.js';

/** What one REST request supplies: path parameters, query string, parsed JSON body (`undefined` when none). */
export interface RequestParameters {
  readonly path: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** The operation's variables for one request, and where each came from (to name it in a 400). */
export interface RouteVariables {
  readonly variables: Record<string, unknown>;
  readonly sources: ReadonlyMap<string, ParameterSource>;
}

/**
 * The parameters of a query string. A name or value that is not valid percent-encoded UTF-8 (`%ff`, a lone
 * `%`) is 400 `BAD_REQUEST` naming it (`in: query`), as a path parameter is: `URLSearchParams` would pass
 * it on with U+FFFD in place of the bytes, a value the client never sent.
 *
 * @example
 * queryParameters('first=2').get('first'); // '2'
 */
export function queryParameters(search: string): URLSearchParams {
  for (const pair of search.split('&')) {
    if (!pair.includes('%')) continue;
    try {
      decodeURIComponent(pair.replaceAll('+', ' '));
    } catch {
      const raw = pair.split('=', 1)[0]!.replaceAll('+', ' ');
      let name = raw;
      try {
        name = decodeURIComponent(raw);
      } catch {
        // the name itself is malformed: named as sent
      }
      throw new AtriumError('BAD_REQUEST', `query parameter "${name}" is not valid percent-encoded UTF-8`, { extensions: { parameter: name, in: 'query' } });
    }
  }
  return new URLSearchParams(search);
}

/**
 * Fills the route's variables from the request: path parameters first, then the query string, then the
 * JSON body, matched by name (or the whole body into the route's `body` variable). Strings are converted
 * to the variable's type where they spell a value of it (`"10"` → 10 for Int, `"true"` for Boolean,
 * repeated parameters → a list); a string that does not is passed on unchanged, so GraphQL's own variable
 * coercion rejects it — after authentication, exactly as it would a GraphQL request — with a message
 * naming the variable. Throws `BAD_REQUEST` for a body that is not an object or has unknown keys.
 *
 * @example
 * routeVariables(route, { path: { upc: '1001' }, query: new URLSearchParams('first=2'), body: undefined });
 * // { variables: { upc: '1001', first: 2 }, sources: Map { 'upc' => 'path', 'first' => 'query' } }
 */
export function routeVariables(route: CompiledRoute, request: RequestParameters): RouteVariables {
  const variables: Record<string, unknown> = {};
  const sources = new Map<string, ParameterSource>();
  const bodyFields = bodyFieldsOf(route, request.body);
  for (const variable of route.variables) {
    for (const source of variable.sources) {
      const value = valueFrom(source, variable.name, variable.type, request, bodyFields, route.config.body);
      if (value === undefined) continue;
      variables[variable.name] = value;
      sources.set(variable.name, source);
      break;
    }
  }
  return { variables, sources };
}

function valueFrom(
  source: ParameterSource,
  name: string,
  type: GraphQLInputType,
  request: RequestParameters,
  bodyFields: Readonly<Record<string, unknown>> | undefined,
  bodyVariable: string | undefined,
): unknown {
  switch (source) {
    case 'path':
      return Object.hasOwn(request.path, name) ? coerceStrings([request.path[name]!], type) : undefined;
    case 'query': {
      const values = request.query.getAll(name);
      return values.length > 0 ? coerceStrings(values, type) : undefined;
    }
    case 'body':
      if (bodyVariable === name) return request.body;
      return bodyFields && Object.hasOwn(bodyFields, name) ? bodyFields[name] : undefined;
  }
}

function bodyFieldsOf(route: CompiledRoute, body: unknown): Readonly<Record<string, unknown>> | undefined {
  if (body === undefined || route.config.body !== undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AtriumError('BAD_REQUEST', 'the JSON body must be an object whose fields are the route\'s parameters');
  }
  const accepted = new Set(route.variables.filter((v) => v.sources.includes('body')).map((v) => v.name));
  for (const key of Object.keys(body)) {
    if (!accepted.has(key)) {
      throw new AtriumError('BAD_REQUEST', `body field "${key}" is not a parameter of this route`, { extensions: { parameter: key, in: 'body' } });
    }
  }
  return body as Record<string, unknown>;
}

/**
 * Query-string and path values are strings: convert them to the variable's type where they spell a value
 * of it. Several values make a list; one value for a list type is a list of one.
 */
export function coerceStrings(values: readonly string[], type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return values.map((value) => coerceString(value, nullable.ofType));
  return values.length === 1 ? coerceString(values[0]!, nullable) : values.map((value) => coerceString(value, nullable));
}

function coerceString(value: string, type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isEnumType(nullable) || !isScalarType(nullable)) return value;
  switch (nullable.name) {
    case 'Int':
      return /^[+-]?\d+$/.test(value) ? Number(value) : value;
    case 'Float': {
      const number = value.trim() === '' ? Number.NaN : Number(value);
      return Number.isFinite(number) ? number : value;
    }
    case 'Boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}
