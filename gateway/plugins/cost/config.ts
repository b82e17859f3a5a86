import { z } from 'zod';
import { enforcementMode, flag, integer } from '../../config/units.js';

// The `cost` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** A number above 0, given as a number or as a string of digits ("0.5"). */
const positiveNumber = () =>
  z
    .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number)], { error: 'expected a positive number' })
    .pipe(z.number().positive({ error: 'expected a positive number' }));

const costBucketSchema = z
  .object({
    /**
     * Most cost points the bucket holds: the most one client can spend in a burst.
     * @default 1000
     */
    capacity: integer(1, 1_000_000_000).default(1000),
    /**
     * Points per second the bucket refills, up to its capacity.
     * @default 50
     */
    restoreRate: positiveNumber().default(50),
  })
  .strict();

const costBudgetSchema = z
  .object({
    /**
     * The bucket of every identified client (principal or API key) without an entry in `clients` or `tiers`.
     * @default { capacity: 1000, restoreRate: 50 }
     */
    default: costBucketSchema.prefault({}),
    /**
     * The bucket of anonymous clients (keyed by IP address); unset, they get `default`.
     * @default the default bucket
     */
    anonymous: costBucketSchema.optional(),
    /**
     * Buckets by tier: the value of the principal's `clients.tierClaim` claim (for example `plan: gold`).
     * @default {}
     */
    tiers: z.record(z.string(), costBucketSchema).default({}),
    /**
     * Buckets for single clients, by client key (a client id, or an IP address for anonymous clients);
     * they win over tiers.
     * @default {}
     */
    clients: z.record(z.string(), costBucketSchema).default({}),
  })
  .strict();

/** The `cost` section: cost analysis from `@cost`/`@listSize` and cost-based quotas per client. */
export const costSchema = z
  .object({
    /**
     * `enforce` rejects operations over `maxPerOperation` and clients over their budget; `measure` computes,
     * reports (`extensions.cost`, headers, logs) and rejects nothing.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Largest estimated cost one operation may have; more is rejected before any fetch with
     * COST_ESTIMATED_TOO_EXPENSIVE. `0` sets no maximum.
     * @default 0
     */
    maxPerOperation: integer(0, 1_000_000_000).default(0),
    /**
     * Assumed length of a list field that has neither a slicing argument nor `@listSize(assumedSize:)`.
     * @default 10
     */
    defaultListSize: integer(0, 1_000_000).default(10),
    /**
     * Whether responses carry `extensions.cost` (`requestedQueryCost`, `actualQueryCost`, `throttleStatus`).
     * Off only for clients that compare responses byte for byte; rejections still carry their cost details.
     * @default true
     */
    extensions: flag().default(true),
    /**
     * Cost-based quotas: a token bucket of cost points per client. The estimate is taken before
     * execution, the unused part given back after (and what the answer used beyond it taken, into debt if
     * need be); an empty bucket answers 429 RATE_LIMITED. Absent: no
     * quota, only the per-operation maximum.
     * @default no quota
     */
    budget: costBudgetSchema.optional(),
  })
  .strict();
