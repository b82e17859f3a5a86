import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config/schema.js';
import { type CompiledRoute, compileRoute, type RestRouteConfig } from './compile-route.js';
import { matchRouteTemplate, parseRouteTemplate, type RouteTemplate, specificity } from './route-template.js';

/** One declared route and whether it can serve on the current schema. */
export interface RouteEntry {
  readonly config: RestRouteConfig;
  /** `GET /api/v1/products/:upc`: how errors and logs name the route. */
  readonly name: string;
  readonly template: RouteTemplate;
  /** Set while the route validates against the current schema. */
  readonly compiled: CompiledRoute | undefined;
  /** Why the route cannot serve; empty when it can. */
  readonly problems: readonly string[];
}

/** What a request path and method find in the table. */
export type RouteLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'route'; readonly entry: RouteEntry; readonly params: Readonly<Record<string, string>> };

/** The declared routes, checked against one schema at a time. */
export interface RouteTable {
  /** The routes in the order gateway.yaml declares them. */
  readonly entries: readonly RouteEntry[];
  /**
   * Re-checks every route against `schema` (at startup and after each schema reload) and returns the
   * problems, each naming its route. A route with problems answers 503 until a later schema fixes it.
   */
  useSchema(schema: GraphQLSchema): string[];
  /** The route for a path below `rest.basePath` and a method. */
  find(path: string, method: string): RouteLookup;
}

/**
 * Builds the route table of gateway.yaml's `rest` section: reads each route's `.graphql` file (relative to
 * `configDir`) once, tries a literal segment before a parameter when matching, and reports duplicate
 * routes and unreadable files as problems of the first `useSchema`.
 *
 * @example
 * const table = createRouteTable(config.rest, { configDir: '/etc/atrium' });
 * const problems = table.useSchema(supergraph.apiSchema); // [] when every route is good
 */
export function createRouteTable(rest: GatewayConfig['rest'], options: { configDir: string }): RouteTable {
  const seen = new Map<string, string>();
  const declared = rest.routes.map((config) => {
    const template = parseRouteTemplate(config.path);
    const name = `${config.method} ${rest.basePath}${config.path}`;
    const fixed: string[] = [];
    const { text, problem } = readOperation(config.operation, options.configDir);
    if (problem) fixed.push(problem);
    // Two templates that differ only in parameter names match the same requests.
    const shape = `${config.method} ${template.segments.map((s) => (s.kind === 'literal' ? s.text : ':')).join('/')}`;
    const earlier = seen.get(shape);
    if (earlier) fixed.push(`it matches the same requests as ${earlier}`);
    else seen.set(shape, name);
    return { config, template, name, text, fixed };
  });
  let entries: RouteEntry[] = declared.map(({ config, template, name, fixed }) => ({
    config,
    template,
    name,
    compiled: undefined,
    problems: fixed.length > 0 ? fixed : ['no supergraph is loaded yet'],
  }));

  return {
    get entries() {
      return entries;
    },
    useSchema(schema) {
      entries = declared.map(({ config, template, name, text, fixed }) => {
        if (fixed.length > 0) return { config, template, name, compiled: undefined, problems: fixed };
        const result = compileRoute(config, text, schema);
        return 'route' in result
          ? { config, template, name, compiled: result.route, problems: [] }
          : { config, template, name, compiled: undefined, problems: result.problems };
      });
      return entries.flatMap((entry) => entry.problems.map((problem) => `rest route ${entry.name}: ${problem}`));
    },
    find(path, method) {
      const allow: string[] = [];
      // A literal segment wins over a parameter: `/products/top` before `/products/:upc`.
      for (const entry of [...entries].sort((a, b) => specificity(b.template) - specificity(a.template))) {
        const params = matchRouteTemplate(entry.template, path);
        if (!params) continue;
        if (entry.config.method === method) return { kind: 'route', entry, params };
        if (!allow.includes(entry.config.method)) allow.push(entry.config.method);
      }
      return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'none' };
    },
  };
}

/**
 * A route's `operation` is a file when it is one line ending in `.graphql` or `.gql` (an operation always
 * has a `{`); anything else is the operation text itself.
 */
function readOperation(operation: string, configDir: string): { text: string; problem?: string } {
  const trimmed = operation.trim();
  if (trimmed.includes('{') || trimmed.includes('\n') || !/\.(graphql|gql)$/.test(trimmed)) return { text: operation };
  const path = resolve(configDir, trimmed);
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { text: '', problem: `cannot read the operation file ${path}: ${reason}` };
  }
}
