import { z } from 'zod';
import { enforcementMode, integer } from '../../config/units.js';

// The `limits` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** The `limits` section: operation limits (depth, aliases, root fields, tokens, directives, batch size). */
export const limitsSchema = z
  .object({
    /**
     * `enforce` rejects an operation over any limit (each limit has its own error code and says by how
     * much); `measure` only logs and counts it (`limits` stats), to roll a limit out safely. The request
     * body size (`server.bodyLimit`) is always enforced: a body is never read past it.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Deepest selection nesting of an operation (fields counted, fragments expanded) -> MAX_DEPTH_EXCEEDED.
     * `0` turns the limit off.
     * @default 100
     */
    maxDepth: integer(0, 100_000).default(100),
    /**
     * Most aliased fields in an operation (fragments expanded, so a fragment spread twice counts twice)
     * -> MAX_ALIASES_EXCEEDED. Aliases are how one request asks for the same expensive field thousands of
     * times. `0` turns the limit off.
     * @default 100
     */
    maxAliases: integer(0, 10_000_000).default(100),
    /**
     * Most fields selected at the root of an operation (`{ a b c }` has 3) -> MAX_ROOT_FIELDS_EXCEEDED.
     * `0` turns the limit off.
     * @default 50
     */
    maxRootFields: integer(0, 10_000_000).default(50),
    /**
     * Most lexical tokens in the query text -> MAX_TOKENS_EXCEEDED. In `enforce` mode the parser itself
     * stops at the limit, so an oversized document is never built. `0` turns the limit off.
     * @default 15000
     */
    maxTokens: integer(0, 100_000_000).default(15_000),
    /**
     * Most directive uses in an operation (fragments expanded) -> MAX_DIRECTIVES_EXCEEDED. `0` turns the
     * limit off.
     * @default 50
     */
    maxDirectives: integer(0, 10_000_000).default(50),
    /**
     * Most field selections of an operation once its fragment spreads are expanded (a fragment spread
     * twice counts twice) -> MAX_SELECTIONS_EXCEEDED. Counted in time linear in the document, before
     * validation, authorization filtering and planning: fragments that each spread the next one twice
     * expand to 2^k selections from a ~2 KB document. The largest demo fixture operation has 21, the
     * benchmark query 55, graphql-js's full introspection query 230. Planning time grows faster than the
     * selection count: for a binary tree of entity fetches (the planner's worst shape we know) ~230
     * selections planned in 21–30 ms, ~470 in 50–83 ms on a busy 2-core machine. The default keeps the
     * largest admitted operation under 50 ms of blocked event loop; raise it only with a measurement of
     * your own operations (docs/security.md). `0` turns the limit off.
     * @default 300
     */
    maxSelections: integer(0, 100_000_000).default(300),
    /**
     * Longest name in an operation's text (alias, field, argument, variable, fragment, operation or type
     * name) or `@defer` label, in characters -> MAX_NAME_LENGTH_EXCEEDED. An answer repeats an alias (and an
     * incremental payload its label) for every item of a list, so one 900 KB alias on a 500-item list made a
     * 120 MB answer; validation errors quote the names they are about, so one 950 KB variable name used by
     * 100 operations made a 95 MB error answer. `0` turns the limit off.
     * @default 256
     */
    maxNameLength: integer(0, 100_000_000).default(256),
    /**
     * Most operations in one batched request (a JSON array body; each operation runs through the whole
     * pipeline) -> BATCH_TOO_LARGE. `0` turns batching off: an array body is refused with BAD_REQUEST.
     * @default 0
     */
    maxBatchSize: integer(0, 1000).default(0),
  })
  .strict();
