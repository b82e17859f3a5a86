import type { GatewayConfig } from '../../config/schema.js';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import type { CompiledRoute } from '../compile-route.js';

/** OpenAPI names of the security schemes Atrium's authentication offers. */
export const BEARER_SCHEME = 'bearerAuth';
export const API_KEY_SCHEME = 'apiKeyAuth';
export const COOKIE_SCHEME = 'cookieAuth';

/** What the schema's `@authenticated` / `@requiresScopes` ask of a route's caller. */
export interface RouteAccess {
  readonly authenticated: boolean;
  /** Alternatives, each a set of scopes that must all be held (`@requiresScopes(scopes: [["a", "b"], ["c"]])`). */
  readonly scopes: readonly (readonly string[])[];
}

/** The parts of a directive application this module reads from federation's schema model. */
interface AppliedDirective {
  readonly name: string;
  arguments(): Record<string, unknown>;
}
interface DirectiveHolder {
  readonly appliedDirectives: readonly AppliedDirective[];
}

/**
 * The OpenAPI security schemes of gateway.yaml's `auth` section: `bearerAuth` when JWT issuers are
 * configured (an `apiKey` scheme in the header instead when tokens come in another header than
 * `authorization: Bearer`, and `cookieAuth` when they may come in a cookie), `apiKeyAuth` when API keys are
 * configured. `undefined` when no credential can be presented.
 *
 * @example
 * securitySchemes(config); // { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, apiKeyAuth: { ... } }
 */
export function securitySchemes(config: GatewayConfig): Record<string, Record<string, unknown>> | undefined {
  const { jwt, apiKeys } = config.auth;
  const schemes: Record<string, Record<string, unknown>> = {};
  if (Object.keys(jwt.issuers).length > 0) {
    schemes[BEARER_SCHEME] =
      jwt.header === 'authorization' && jwt.scheme.toLowerCase() === 'bearer'
        ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT in `Authorization: Bearer <token>`.' }
        : { type: 'apiKey', in: 'header', name: jwt.header, description: `A JWT in the \`${jwt.header}\` header${jwt.scheme ? ` after "${jwt.scheme} "` : ''}.` };
    if (jwt.cookie !== undefined) {
      schemes[COOKIE_SCHEME] = { type: 'apiKey', in: 'cookie', name: jwt.cookie, description: `A JWT in the \`${jwt.cookie}\` cookie.` };
    }
  }
  if (Object.keys(apiKeys.keys).length > 0) {
    schemes[API_KEY_SCHEME] = { type: 'apiKey', in: 'header', name: apiKeys.header, description: `An API key in the \`${apiKeys.header}\` header.` };
  }
  return Object.keys(schemes).length > 0 ? schemes : undefined;
}

/**
 * What the supergraph's security directives require of the fields a route walks to its value (and
 * of their types), and `required` (gateway.yaml's `auth.required`) of every route. Scopes of several
 * directives on the path multiply out: every one must be satisfied.
 *
 * @example
 * routeAccess(supergraph, route, { required: false }); // { authenticated: true, scopes: [['orders:read']] }
 */
export function routeAccess(supergraph: LoadedSupergraph, route: CompiledRoute, options: { required: boolean }): RouteAccess {
  const schema = supergraph.supergraph.schema;
  let parentName = supergraph.apiSchema.getRootType(route.operation.operation)?.name;
  let authenticated = options.required;
  let scopes: string[][] = [[]];
  for (const fieldName of route.selectFields) {
    const parent = parentName === undefined ? undefined : (schema.type(parentName) as unknown as { field?(name: string): unknown } | undefined);
    const field = parent?.field?.(fieldName) as (DirectiveHolder & { type?: { toString(): string } }) | undefined;
    if (!field) break;
    const typeName = String(field.type).replace(/[[\]!]/g, '');
    const type = schema.type(typeName) as unknown as DirectiveHolder | undefined;
    for (const holder of [field, type]) {
      for (const directive of holder?.appliedDirectives ?? []) {
        if (directive.name === 'authenticated') authenticated = true;
        if (directive.name === 'requiresScopes') {
          authenticated = true;
          const alternatives = (directive.arguments().scopes as string[][] | undefined) ?? [];
          scopes = scopes.flatMap((held) => alternatives.map((alternative) => [...new Set([...held, ...alternative])]));
        }
      }
    }
    parentName = typeName;
  }
  return { authenticated, scopes: scopes.filter((set) => set.length > 0) };
}

/**
 * The OpenAPI `security` of a route: one requirement per scheme and scope alternative (OpenAPI ORs the
 * entries), or `undefined` for a route anyone may call.
 *
 * @example
 * securityRequirements({ authenticated: true, scopes: [['orders:read']] }, schemes); // [{ bearerAuth: ['orders:read'] }, ...]
 */
export function securityRequirements(
  access: RouteAccess,
  schemes: Readonly<Record<string, unknown>> | undefined,
): Record<string, string[]>[] | undefined {
  if (!access.authenticated || !schemes) return undefined;
  const alternatives = access.scopes.length > 0 ? access.scopes : [[]];
  return Object.keys(schemes).flatMap((scheme) => alternatives.map((scopes) => ({ [scheme]: [...scopes] })));
}
