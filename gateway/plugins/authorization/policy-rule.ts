import { z } from 'zod';
import type { Principal } from '../../request-context.js';

/**
 * A named policy's rule, as gateway.yaml spells it (`authorization.policies.<name>`). Exactly one key per
 * rule object:
 * - `{ claim: "role", equals: "admin" }` — the claim equals the value;
 * - `{ claim: "role", in: ["admin", "support"] }` — the claim equals one of the values;
 * - `{ claim: "groups", contains: "ops" }` — the claim is a list holding the value (or a string containing it as a
 *   space-separated word);
 * - `{ scope: "orders:write" }` — the principal holds the scope;
 * - `{ authenticated: true }` — there is a principal;
 * - `{ all: [rule, ...] }`, `{ any: [rule, ...] }`, `{ not: rule }`.
 */
export type PolicyRule =
  | { readonly claim: string; readonly equals: unknown }
  | { readonly claim: string; readonly in: readonly unknown[] }
  | { readonly claim: string; readonly contains: unknown }
  | { readonly scope: string }
  | { readonly authenticated: boolean }
  | { readonly all: readonly PolicyRule[] }
  | { readonly any: readonly PolicyRule[] }
  | { readonly not: PolicyRule };

const RULE_MESSAGE =
  'expected a policy rule: { claim, equals | in | contains }, { scope }, { authenticated }, { all: [...] }, { any: [...] } or { not: rule }';

/** The zod schema of {@link PolicyRule}; config.ts uses it for `authorization.policies`. */
export const policyRuleSchema: z.ZodType<PolicyRule> = z.lazy(() =>
  z.union(
    [
      z.strictObject({ claim: z.string().min(1), equals: z.unknown() }),
      z.strictObject({ claim: z.string().min(1), in: z.array(z.unknown()) }),
      z.strictObject({ claim: z.string().min(1), contains: z.unknown() }),
      z.strictObject({ scope: z.string().min(1) }),
      z.strictObject({ authenticated: z.boolean() }),
      z.strictObject({ all: z.array(policyRuleSchema).min(1) }),
      z.strictObject({ any: z.array(policyRuleSchema).min(1) }),
      z.strictObject({ not: policyRuleSchema }),
    ],
    { error: RULE_MESSAGE },
  ),
) as z.ZodType<PolicyRule>;

/**
 * Evaluates a rule for a principal (`undefined` = anonymous: every claim and scope test is false). Pure.
 *
 * @example
 * evaluatePolicyRule({ any: [{ claim: 'role', equals: 'admin' }, { scope: 'admin' }] }, principal); // true or false
 */
export function evaluatePolicyRule(rule: PolicyRule, principal: Principal | undefined): boolean {
  if ('all' in rule) return rule.all.every((inner) => evaluatePolicyRule(inner, principal));
  if ('any' in rule) return rule.any.some((inner) => evaluatePolicyRule(inner, principal));
  if ('not' in rule) return !evaluatePolicyRule(rule.not, principal);
  if ('authenticated' in rule) return (principal !== undefined) === rule.authenticated;
  if (principal === undefined) return false;
  if ('scope' in rule) return principal.scopes.includes(rule.scope);
  const value = Object.hasOwn(principal.claims, rule.claim) ? principal.claims[rule.claim] : undefined;
  if (value === undefined) return false;
  if ('equals' in rule) return sameValue(value, rule.equals);
  if ('in' in rule) return rule.in.some((candidate) => sameValue(value, candidate));
  if (Array.isArray(value)) return value.some((item) => sameValue(item, rule.contains));
  return typeof value === 'string' && typeof rule.contains === 'string' && value.split(' ').includes(rule.contains);
}

/** Claims come from JSON: compare scalars by value, numbers and their string spelling alike (`42` = `"42"`). */
function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(actual) && scalar(expected) && String(actual) === String(expected);
}
