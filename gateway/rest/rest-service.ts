import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/schema.js';
import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HttpRoute } from '../http/http-route.js';
import type { RequestContext } from '../request-context.js';
import { skipUnreadBody } from '../http/read-body.js';
import { writeHttpResponse } from '../http/write-response.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';
import { takesBody } from './compile-route.js';
import { withETag } from './etag.js';
import { buildOpenApi } from './openapi/build-openapi.js';
import { problemOf } from './problem-json.js';
import { readJsonBody } from './read-json-body.js';
import { createRouteTable, type RouteEntry } from './route-table.js';
import { matchRouteTemplate } from './route-template.js';
import { queryParameters, routeVariables } from './route-variables.js';
import { translateResponse } from './translate-response.js';
import { headerMap } from '../http/header-map.js';
import type { HttpGraphQLRequest, HttpResponse } from '../http/graphql-exchange.js';

/** What the REST layer needs from the gateway around it. */
export interface RestServiceOptions {
  readonly config: GatewayConfig;
  /** Directory of gateway.yaml: routes' `.graphql` files resolve against it. */
  readonly configDir: string;
  readonly logger: Logger;
  /**
   * The function `/graphql` requests run through: the plugins' `onRequest` hooks, then the GraphQL
   * handler. REST requests go through the very same one, so nothing can bypass authentication, limits,
   * authorization, cost or logging.
   */
  runGraphQL(request: HttpGraphQLRequest, context: RequestContext): Promise<HttpResponse>;
  /**
   * A request refused for its body or parameters before `runGraphQL` (the plugins' `onRefusedRequest`
   * hooks): may count it and return another error to answer with (a 429).
   */
  onRefusedRequest?(context: RequestContext, refusal: AtriumError): Promise<AtriumError | undefined>;
  /** The supergraph requests run on now (it changes on hot reload); `undefined` while loading. */
  currentSupergraph(): LoadedSupergraph | undefined;
}

/** The REST compatibility layer, served as one HTTP route of the gateway's server. */
export interface RestService {
  readonly route: HttpRoute;
  /**
   * Checks every route against `supergraph` and regenerates the OpenAPI document. Returns the problems,
   * each naming its route: at startup any problem must stop the gateway; after a reload the broken routes
   * answer 503 with the reason and the others keep serving. Requests also notice a new supergraph by
   * themselves, so calling this on reload only makes the problems show up in the log at once.
   */
  useSupergraph(supergraph: LoadedSupergraph): string[];
}

const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * Builds the REST layer of gateway.yaml's `rest` section: the routes below `rest.basePath` and the OpenAPI
 * document at `rest.openapiPath`. Each request is translated into a GraphQL request for the route's
 * stored operation, run through `runGraphQL`, and the GraphQL answer translated back (status, body, ETag).
 *
 * @example
 * const rest = createRestService({ config, configDir, logger, runGraphQL, currentSupergraph: () => handler?.supergraph });
 * const problems = rest.useSupergraph(supergraph); // at startup: stop when not empty
 * createHttpServer({ ..., routes: [rest.route] });
 */
export function createRestService(options: RestServiceOptions): RestService {
  const { config, logger } = options;
  const { basePath, openapiPath } = config.rest;
  const table = createRouteTable(config.rest, { configDir: options.configDir });
  const bodyLimitBytes = config.server.bodyLimit;
  let current: LoadedSupergraph | undefined;
  let openapi: string | undefined;

  const useSupergraph = (supergraph: LoadedSupergraph): string[] => {
    const problems = table.useSchema(supergraph.apiSchema);
    current = supergraph;
    openapi = JSON.stringify(buildOpenApi({ config, routes: table.entries, supergraph }));
    return problems;
  };

  /** Follows a hot reload even when nobody called useSupergraph for it. */
  const refresh = (): void => {
    const latest = options.currentSupergraph();
    if (!latest || latest === current) return;
    for (const problem of useSupergraph(latest)) logger.warn({ problem }, 'rest: a route does not validate against the new supergraph');
  };

  const isRestPath = (path: string): boolean =>
    basePath === ''
      ? table.entries.some((entry) => {
          try {
            return matchRouteTemplate(entry.template, path) !== undefined;
          } catch {
            return true; // a route's path with a malformed parameter: serveRoute answers the 400
          }
        })
      : path === basePath || path.startsWith(`${basePath}/`);

  async function serveRoute(req: IncomingMessage, res: ServerResponse, context: RequestContext, path: string, search: string) {
    const method = req.method ?? 'GET';
    const lookup = table.find(basePath === '' ? path : path.slice(basePath.length) || '/', method === 'HEAD' ? 'GET' : method);
    if (lookup.kind === 'none') {
      throw new AtriumError('NOT_FOUND', `no REST route is served at ${method} ${path}`);
    }
    if (lookup.kind === 'method-not-allowed') {
      const allow = lookup.allow.includes('GET') ? [...lookup.allow, 'HEAD'] : [...lookup.allow];
      throw new AtriumError('METHOD_NOT_ALLOWED', `method ${method} is not allowed on ${path}; use ${allow.join(', ')}`, {
        headers: { allow: allow.join(', ') },
      });
    }
    const { entry, params } = lookup;
    const route = requireCompiled(entry);
    let body: unknown;
    let variables: Record<string, unknown>;
    let sources: ReturnType<typeof routeVariables>['sources'];
    try {
      body = takesBody(method) ? await readJsonBody(req, res, bodyLimitBytes) : (skipUnreadBody(req, res, bodyLimitBytes), undefined);
      ({ variables, sources } = routeVariables(route, { path: params, query: queryParameters(search), body }));
    } catch (error) {
      if (!(error instanceof AtriumError) || !options.onRefusedRequest) throw error;
      // Counted like a malformed body on /graphql; a replacement (429) still lets the caller close a
      // connection whose oversized body was left unread.
      const replacement = await options.onRefusedRequest(context, error);
      if (replacement && error.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
      throw replacement ?? error;
    }
    const headers = headerMap(req.headers);
    for (const name of ['content-length', 'transfer-encoding', 'expect', 'if-none-match']) headers.delete(name);
    headers.set('content-type', 'application/json');
    headers.set('accept', 'application/json');
    // The operation is the gateway's own configuration, not the client's: trusted-document checks pass it.
    context.trusted = true;
    const graphql = await options.runGraphQL(
      { method: 'POST', headers, search: '', body: { query: route.query, operationName: route.operationName, variables } },
      context,
    );
    let answer = translateResponse(graphql, { route, sources, instance: path });
    if (entry.config.method === 'GET') answer = withETag(answer, req.headers['if-none-match']);
    logger.debug({ requestId: context.requestId, route: entry.name, status: answer.status }, 'rest: answered');
    await writeHttpResponse(res, answer, context);
  }

  function requireCompiled(entry: RouteEntry) {
    if (entry.compiled) return entry.compiled;
    if (!current) throw new AtriumError('SUPERGRAPH_NOT_READY', 'the gateway is still loading its supergraph');
    throw new AtriumError('REST_ROUTE_UNAVAILABLE', `route ${entry.name} does not validate against the current schema: ${entry.problems.join('; ')}`);
  }

  function serveOpenApi(req: IncomingMessage, res: ServerResponse, context: RequestContext) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new AtriumError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET or HEAD`, { headers: { allow: 'GET, HEAD' } });
    }
    if (openapi === undefined) throw new AtriumError('SUPERGRAPH_NOT_READY', 'the gateway is still loading its supergraph');
    const answer = withETag({ status: 200, headers: new Map([['content-type', JSON_UTF8]]), body: openapi }, req.headers['if-none-match']);
    return writeHttpResponse(res, answer, context);
  }

  return {
    useSupergraph,
    route: {
      matches: (path) => path === openapiPath || isRestPath(path),
      async handle(req, res, context) {
        const url = req.url ?? '/';
        const queryAt = url.indexOf('?');
        const path = queryAt === -1 ? url : url.slice(0, queryAt);
        refresh();
        try {
          if (path === openapiPath) await serveOpenApi(req, res, context);
          else await serveRoute(req, res, context, path, queryAt === -1 ? '' : url.slice(queryAt + 1));
        } catch (error) {
          if (!(error instanceof AtriumError)) throw error;
          if (error.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
          else if (!req.readableEnded) skipUnreadBody(req, res, bodyLimitBytes);
          await writeHttpResponse(res, problemOf(error, path), context);
        }
      },
    },
  };
}
