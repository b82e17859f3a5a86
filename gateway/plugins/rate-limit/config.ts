import { z } from 'zod';
import { duration, enforcementMode, flag, integer } from '../../config/units.js';

// The `rateLimit` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

const requestLimitSchema = z
  .object({
    /**
     * Requests one client may make per `window`.
     * @default 60
     */
    max: integer(1, 1_000_000_000).default(60),
    /**
     * The window `max` refers to; the allowance refills evenly over it. A duration such as `"1m"`.
     * @default "1m"
     */
    window: duration().default(60_000),
  })
  .strict();

const failedAuthSchema = z
  .object({
    /**
     * Count refused credentials per client address and lock the address out past `max`. `false` turns
     * brute-force protection off.
     * @default true
     */
    enabled: flag().default(true),
    /**
     * Refused credentials (a wrong API key; a forged, malformed, expired or otherwise invalid JWT) one
     * address may present per `window`. The next refusal is answered 429 AUTH_RATE_LIMITED and locks the
     * address for `window`: while locked, every request from it that carries a credential is refused with
     * 429 and Retry-After, without checking the credential — a correct one included.
     * @default 20
     */
    max: integer(1, 1_000_000).default(20),
    /**
     * The window `max` counts over, and how long a locked address stays locked. A duration such as `"5m"`.
     * @default "1m"
     */
    window: duration().default(60_000),
  })
  .strict();

/** `rateLimit.failedAuth` as it applies when gateway.yaml has no `rateLimit` section: on, with its defaults. */
export const DEFAULT_FAILED_AUTH = Object.freeze(failedAuthSchema.parse({}));

/** The `rateLimit` section: request-count limits for anonymous traffic (`@rateLimit` fields are in the schema). */
export const rateLimitSchema = z
  .object({
    /**
     * `enforce` answers 429 RATE_LIMITED past a limit; `measure` reports (headers, logs) and rejects nothing.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Request-count limit per IP address for anonymous requests (no principal), over all routes. Every
     * GraphQL operation counts, so a batch of 10 costs 10; a request refused before authentication for its
     * body (malformed JSON, a wrong content type, a body over `server.bodyLimit`) costs 1.
     * @default no limit
     */
    anonymous: requestLimitSchema.optional(),
    /**
     * Request-count limits per IP address and path for anonymous requests, by URL path (for example
     * `/graphql`).
     * @default {}
     */
    routes: z.record(z.string(), requestLimitSchema).default({}),
    /**
     * Brute-force protection: failed authentications counted per client address (the address
     * `clients.trustedProxies` decides), with their own limit and lock-out. Applies also when gateway.yaml
     * has no `rateLimit` section.
     * @default { enabled: true, max: 20, window: "1m" }
     */
    failedAuth: failedAuthSchema.prefault({}),
  })
  .strict();
