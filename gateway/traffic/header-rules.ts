import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../config/schema.js';

type HeaderRulesConfig = NonNullable<GatewayConfig['traffic']['all']['headers']>;
export type ConflictRule = 'first' | 'last' | 'append';

/** The request header rules of one subgraph, `traffic.all.headers` then `traffic.subgraphs.<name>.headers`. */
export interface RequestHeaderRules {
  readonly propagate: ReadonlySet<string>;
  readonly matching: readonly RegExp[];
  /** Client header name → name sent to the subgraph. */
  readonly rename: ReadonlyMap<string, string>;
  readonly insert: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

/** Which subgraph response headers reach the client. */
export interface ResponseHeaderRules {
  readonly propagate: readonly string[];
  readonly conflict: ConflictRule;
}

/**
 * Compiles the header rules of one subgraph; each half is `undefined` when it has nothing to do, so a
 * subgraph without rules pays nothing per fetch.
 *
 * @example
 * compileHeaderRules(config.traffic.all.headers, config.traffic.subgraphs.products?.headers).request?.propagate;
 */
export function compileHeaderRules(
  all: HeaderRulesConfig | undefined,
  own: HeaderRulesConfig | undefined,
): { request: RequestHeaderRules | undefined; response: ResponseHeaderRules | undefined } {
  const layers = [all, own].filter((layer): layer is HeaderRulesConfig => layer !== undefined);
  const request: RequestHeaderRules = {
    propagate: new Set(layers.flatMap((layer) => layer.propagate ?? [])),
    matching: layers.flatMap((layer) => (layer.propagateMatching === undefined ? [] : [new RegExp(layer.propagateMatching, 'i')])),
    rename: new Map(layers.flatMap((layer) => Object.entries(layer.rename ?? {}))),
    insert: [...new Map(layers.flatMap((layer) => Object.entries(layer.insert ?? {})))],
    remove: [...new Set(layers.flatMap((layer) => layer.remove ?? []))],
  };
  const hasRequestRules =
    request.propagate.size + request.matching.length + request.rename.size + request.insert.length + request.remove.length > 0;
  const propagate = [...new Set(layers.flatMap((layer) => layer.response?.propagate ?? []))];
  const conflict = own?.response?.conflict ?? all?.response?.conflict ?? 'first';
  return {
    request: hasRequestRules ? request : undefined,
    response: propagate.length > 0 ? { propagate, conflict } : undefined,
  };
}

/** The client request headers some subgraph receives (propagated by name or pattern, or renamed). */
export interface ForwardedClientHeaders {
  readonly names: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
}

/**
 * Which client request headers the rules of `traffic.all` and of any `traffic.subgraphs.<name>` forward to a
 * subgraph: what a subgraph's answer may depend on besides the operation and the identity (the response
 * cache keys its entries by their values).
 *
 * @example
 * forwardedClientHeaders(config.traffic).names.has('x-tenant');
 */
export function forwardedClientHeaders(traffic: GatewayConfig['traffic']): ForwardedClientHeaders {
  const layers = [traffic.all.headers, ...Object.values(traffic.subgraphs).map((own) => own.headers)].filter((layer): layer is HeaderRulesConfig => layer !== undefined);
  return {
    names: new Set(layers.flatMap((layer) => [...(layer.propagate ?? []), ...Object.keys(layer.rename ?? {})].map((name) => name.toLowerCase()))),
    patterns: layers.flatMap((layer) => (layer.propagateMatching === undefined ? [] : [new RegExp(layer.propagateMatching, 'i')])),
  };
}

/**
 * Applies the request rules to the headers of one subgraph request, in order: propagate (by name and by
 * pattern), rename, insert, remove. Runs before the plugins' `onSubgraphFetch` hooks, so a hook (the auth
 * plugin) sees what the rules forwarded and may still delete or replace it.
 *
 * @example
 * applyRequestHeaderRules(rules, { authorization: 'Bearer x' }, request.headers);
 */
export function applyRequestHeaderRules(
  rules: RequestHeaderRules,
  client: IncomingHttpHeaders,
  target: Record<string, string>,
): void {
  if (rules.propagate.size > 0 || rules.matching.length > 0) {
    for (const name in client) {
      if (rules.propagate.has(name) || rules.matching.some((pattern) => pattern.test(name))) {
        const value = headerValue(client[name]);
        if (value !== undefined) target[name] = value;
      }
    }
  }
  for (const [from, to] of rules.rename) {
    const value = headerValue(client[from]);
    if (value !== undefined) target[to] = value;
  }
  for (const [name, value] of rules.insert) target[name] = value;
  for (const name of rules.remove) delete target[name];
}

/**
 * Copies the selected headers of one subgraph response into the client's response headers. `set-cookie`
 * values are appended as separate values; other headers follow the conflict rule when an earlier fetch
 * already set them (`append` skips a value that is already there).
 *
 * @example
 * applyResponseHeaderRules(rules, response.headers, context.responseHeaders);
 */
export function applyResponseHeaderRules(
  rules: ResponseHeaderRules,
  from: Readonly<Record<string, string | string[] | undefined>>,
  to: Map<string, string | string[]>,
): void {
  for (const name of rules.propagate) {
    const value = from[name];
    if (value === undefined) continue;
    if (name === 'set-cookie') {
      const existing = to.get(name);
      const cookies = typeof value === 'string' ? [value] : value;
      to.set(name, existing === undefined ? [...cookies] : [...(typeof existing === 'string' ? [existing] : existing), ...cookies]);
      continue;
    }
    const text = typeof value === 'string' ? value : value.join(', ');
    const existing = to.get(name);
    if (existing === undefined || rules.conflict === 'last') {
      to.set(name, text);
    } else if (rules.conflict === 'append') {
      const current = typeof existing === 'string' ? existing : existing.join(', ');
      if (!current.split(', ').includes(text)) to.set(name, `${current}, ${text}`);
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.join(', ');
}
