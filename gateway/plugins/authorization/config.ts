import { z } from 'zod';
import { policyRuleSchema } from './policy-rule.js';

// The `authorization` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** The `authorization` section: what happens to fields the principal may not see, and the named policies. */
export const authorizationSchema = z
  .object({
    /**
     * What happens to fields the principal may not see (`@authenticated`, `@requiresScopes`, `@policy`):
     * `filter` removes them before planning (null + an UNAUTHORIZED_FIELD_OR_TYPE error per path), `reject`
     * refuses the whole operation (401 without a principal, 403 with one), `measure` only logs them.
     * @default "filter"
     */
    mode: z.enum(['filter', 'reject', 'measure'], { error: 'expected one of filter, reject, measure' }).default('filter'),
    /**
     * Named policies for `@policy`: a rule over the principal — `{ claim, equals | in | contains }`,
     * `{ scope }`, `{ authenticated: true }`, combined with `{ all: [...] }`, `{ any: [...] }`, `{ not: rule }`.
     * A policy the schema names but neither this map nor `policyModule` defines is false.
     * @default {}
     */
    policies: z.record(z.string(), policyRuleSchema).default({}),
    /**
     * JavaScript module (path relative to gateway.yaml's directory) whose named exports are policy functions
     * `(principal) => boolean | Promise<boolean>`; a policy in `policies` wins over an export of the same name.
     * @default none
     */
    policyModule: z.string().min(1).optional(),
  })
  .strict();
