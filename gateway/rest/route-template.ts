import { AtriumError } from '../errors.js';

/** One segment of a path template: literal text, or a `:name` parameter. */
export type TemplateSegment = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'param'; readonly name: string };

/** A parsed path template such as `/v1/products/:upc`. */
export interface RouteTemplate {
  /** The template as written. */
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  /** Names of the `:name` parameters, in order. */
  readonly params: readonly string[];
}

/**
 * Parses a path template (already checked by the config schema): `/`-separated segments, `:name` ones
 * being parameters.
 *
 * @example
 * parseRouteTemplate('/v1/products/:upc').params; // ['upc']
 */
export function parseRouteTemplate(source: string): RouteTemplate {
  const segments: TemplateSegment[] = splitPath(source).map((part) =>
    part.startsWith(':') ? { kind: 'param', name: part.slice(1) } : { kind: 'literal', text: part },
  );
  const params = segments.flatMap((segment) => (segment.kind === 'param' ? [segment.name] : []));
  return { source, segments, params };
}

/**
 * The parameters of `path` when it matches `template`, URL-decoded; `undefined` when it does not match. A
 * trailing `/` on the path is ignored. A path that matches but whose parameter is not valid
 * percent-encoding (`%ff`, a lone `%`) throws 400 `BAD_REQUEST` naming the parameter: the client meant
 * this route.
 *
 * @example
 * matchRouteTemplate(parseRouteTemplate('/v1/products/:upc'), '/v1/products/10%2001'); // { upc: '10 01' }
 */
export function matchRouteTemplate(template: RouteTemplate, path: string): Record<string, string> | undefined {
  const parts = splitPath(path);
  if (parts.length !== template.segments.length) return undefined;
  const params: Record<string, string> = {};
  let malformed: string | undefined;
  for (let i = 0; i < parts.length; i++) {
    const segment = template.segments[i]!;
    const part = parts[i]!;
    if (segment.kind === 'literal') {
      if (segment.text !== part) return undefined;
      continue;
    }
    if (part === '') return undefined;
    try {
      params[segment.name] = decodeURIComponent(part);
    } catch {
      malformed ??= segment.name;
    }
  }
  if (malformed !== undefined) {
    throw new AtriumError('BAD_REQUEST', `path parameter "${malformed}" is not valid percent-encoded UTF-8`, { extensions: { parameter: malformed, in: 'path' } });
  }
  return params;
}

/**
 * How specific a template is, to order routes whose templates overlap: a literal segment beats a parameter
 * at the same position (`/products/top` is tried before `/products/:upc`).
 *
 * @example
 * specificity(parseRouteTemplate('/products/top')) > specificity(parseRouteTemplate('/products/:upc')); // true
 */
export function specificity(template: RouteTemplate): number {
  let score = 0;
  for (const segment of template.segments) score = score * 2 + (segment.kind === 'literal' ? 1 : 0);
  return score;
}

/**
 * The template in OpenAPI's form, `{name}` for `:name`.
 *
 * @example
 * openApiPath(parseRouteTemplate('/v1/products/:upc')); // '/v1/products/{upc}'
 */
export function openApiPath(template: RouteTemplate): string {
  if (template.segments.length === 0) return '/';
  return template.segments.map((segment) => (segment.kind === 'literal' ? `/${segment.text}` : `/{${segment.name}}`)).join('');
}

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed === '/' || trimmed === '' ? [] : trimmed.slice(1).split('/');
}
