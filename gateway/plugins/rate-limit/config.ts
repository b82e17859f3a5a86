import { z } from 'zod';
import { duration, enforcementMode, integer } from '../../config/units.js';

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

/** The `rateLimit` section: request-count limits for anonymous traffic (`@rateLimit` fields are in the schema). */
export const rateLimitSchema = z
  .object({
    /**
     * `enforce` answers 429 RATE_LIMITED past a limit; `measure` reports (headers, logs) and rejects nothing.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Request-count limit per IP address for anonymous requests (no principal), over all routes.
     * @default no limit
     */
    anonymous: requestLimitSchema.optional(),
    /**
     * Request-count limits per IP address and path for anonymous requests, by URL path (for example
     * `/graphql`).
     * @default {}
     */
    routes: z.record(z.string(), requestLimitSchema).default({}),
  })
  .strict();
