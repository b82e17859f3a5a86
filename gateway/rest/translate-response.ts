import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { CompiledRoute } from './compile-route.js';
import { type ProblemError, problemResponse } from './problem-json.js';
import type { HttpResponse } from '../http/graphql-exchange.js';

const JSON_UTF8 = 'application/json; charset=utf-8';
/** Response header listing the errors of a partial answer (see docs/rest.md). */
export const PARTIAL_ERRORS_HEADER = 'x-graphql-errors';
/** Header values stay well under common proxy limits (8 KB for all headers). */
const PARTIAL_ERRORS_MAX_LENGTH = 2048;
/** The GraphQL response's own headers that describe its body, not the REST answer's. */
const BODY_HEADERS = new Set(['content-type', 'content-length']);
/**
 * When errors disagree, the status of the one a client can act on first: credentials, permission,
 * budget, its own input; then the upstream failures.
 */
const STATUS_PRECEDENCE = [401, 403, 429, 413, 405, 400, 504, 502, 503, 500];
/** Codes whose table status is 200 because GraphQL answers them beside data; alone on REST they decide. */
const REST_STATUS: Partial<Record<string, number>> = { UNAUTHORIZED_FIELD_OR_TYPE: 403, SUBGRAPH_ERROR: 502 };

interface GraphQLErrorBody {
  message?: unknown;
  path?: (string | number)[];
  extensions?: { code?: unknown; serviceName?: unknown };
}

/** What the translation needs to know about the request besides the GraphQL answer. */
export interface TranslationContext {
  readonly route: CompiledRoute;
  /** Where each variable came from, to name a bad one. */
  readonly sources: ReadonlyMap<string, string>;
  /** The request path, for problem+json's `instance`. */
  readonly instance: string;
}

/**
 * Turns the GraphQL handler's answer into the REST answer (docs/rest.md):
 * the selected value with the route's status; 404 when it is null without errors; problem+json with the
 * status the errors decide when there is no usable value (400 naming a bad parameter, 401 + the
 * `WWW-Authenticate` the pipeline set, 403, 429 + `Retry-After`, 504 on a subgraph timeout, 502 on another
 * subgraph failure); the value with an `x-graphql-errors` header when the data is partial. Headers the
 * pipeline set (rate limits, `Retry-After`, cache policy) are kept.
 *
 * @example
 * const rest = translateResponse(await handleGraphQL(request, context), { route, sources, instance: '/api/v1/products/1' });
 */
export function translateResponse(graphql: HttpResponse, translation: TranslationContext): HttpResponse {
  const headers = [...graphql.headers].filter(([name]) => !BODY_HEADERS.has(name));
  let parsed: { data?: Record<string, unknown> | null; errors?: GraphQLErrorBody[] };
  try {
    if (typeof graphql.body !== 'string') throw new Error('streamed answer');
    parsed = JSON.parse(graphql.body);
  } catch {
    return problemResponse({ status: 500, code: 'INTERNAL_SERVER_ERROR', detail: 'the GraphQL answer could not be read', instance: translation.instance });
  }
  const errors = Array.isArray(parsed.errors) ? parsed.errors : [];
  // The access log and metrics count the GraphQL error codes of a REST answer as they do for /graphql.
  const errorCodes = graphql.errorCodes ?? errors.flatMap((e) => (typeof e.extensions?.code === 'string' ? [e.extensions.code] : []));
  const value = selectedValue(parsed.data, translation.route.select);
  if (value !== undefined && value !== null) {
    const answer = new Map<string, string>(headers);
    answer.set('content-type', JSON_UTF8);
    if (errors.length > 0) answer.set(PARTIAL_ERRORS_HEADER, partialErrorsHeader(errors));
    return { status: translation.route.config.status, headers: answer, body: JSON.stringify(value), errorCodes };
  }
  if (errors.length === 0) {
    return problemResponse({
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      detail: `${translation.route.select.join('.')} is null: no such resource`,
      instance: translation.instance,
      headers,
    });
  }
  const status = decidingStatus(errors, graphql.status);
  const deciding = errors.find((error) => statusOfError(error) === status) ?? errors[0]!;
  const code = typeof deciding.extensions?.code === 'string' ? deciding.extensions.code : 'INTERNAL_SERVER_ERROR';
  const parameter = status === 400 ? badParameter(deciding, translation) : undefined;
  return problemResponse({
    status,
    code,
    detail: parameter ? `parameter "${parameter.name}" (${parameter.in}): ${String(deciding.message)}` : String(deciding.message),
    instance: translation.instance,
    headers,
    errors: errors.map(problemError),
    members: parameter && { parameter: parameter.name, in: parameter.in },
    errorCodes,
  });
}

function selectedValue(data: Record<string, unknown> | null | undefined, select: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of select) {
    if (value === null || typeof value !== 'object') return value === null ? null : undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The status a REST client gets for one GraphQL error. */
function statusOfError(error: GraphQLErrorBody): number {
  const code = error.extensions?.code;
  const fromSubgraph = typeof error.extensions?.serviceName === 'string';
  const known = typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
  const status = known ? (REST_STATUS[code] ?? ERROR_CODES[code as ErrorCode].status) : undefined;
  // A subgraph's own failure (its INTERNAL_SERVER_ERROR, an unknown code) is a bad gateway to the client;
  // what a subgraph says about the request itself (BAD_USER_INPUT, FORBIDDEN, ...) keeps its 4xx.
  if (fromSubgraph) return status !== undefined && status >= 400 && status < 500 ? status : status === 504 ? 504 : 502;
  return status !== undefined && status >= 400 ? status : 500;
}

function decidingStatus(errors: readonly GraphQLErrorBody[], graphqlStatus: number): number {
  const statuses = new Set(errors.map(statusOfError));
  if (graphqlStatus >= 400) statuses.add(graphqlStatus);
  return STATUS_PRECEDENCE.find((status) => statuses.has(status)) ?? Math.max(...statuses);
}

/** GraphQL's variable coercion names the variable; the REST client knows it as a parameter. */
function badParameter(error: GraphQLErrorBody, translation: TranslationContext): { name: string; in: string } | undefined {
  if (error.extensions?.serviceName !== undefined) return undefined;
  const name = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)"/.exec(String(error.message))?.[1];
  const variable = name === undefined ? undefined : translation.route.variables.find((v) => v.name === name);
  if (!variable) return undefined;
  return { name: variable.name, in: translation.sources.get(variable.name) ?? variable.sources[0] ?? 'query' };
}

function problemError(error: GraphQLErrorBody): ProblemError {
  return {
    message: String(error.message),
    ...(typeof error.extensions?.code === 'string' && { code: error.extensions.code }),
    ...(Array.isArray(error.path) && { path: error.path }),
    ...(typeof error.extensions?.serviceName === 'string' && { serviceName: error.extensions.serviceName }),
  };
}

/**
 * The errors of a partial answer as a JSON array of `{ message, code, path }`, ASCII only (header values
 * must be), cut to a bounded length: the errors that do not fit are counted in a last `{ omitted: n }`.
 */
function partialErrorsHeader(errors: readonly GraphQLErrorBody[]): string {
  const listed: unknown[] = [];
  let length = 2;
  for (const [index, error] of errors.entries()) {
    const { message, code, path } = problemError(error);
    const entry = asciiJson({ message, code, path });
    if (length + entry.length + 40 > PARTIAL_ERRORS_MAX_LENGTH) {
      listed.push({ omitted: errors.length - index });
      break;
    }
    listed.push(JSON.parse(entry));
    length += entry.length + 1;
  }
  return asciiJson(listed);
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
