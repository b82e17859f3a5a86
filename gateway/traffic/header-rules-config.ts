import { z } from 'zod';
import { headerName } from '../config/units.js';

// The header rules of the `traffic` section of gateway.yaml (applied by header-rules.ts), one part of the
// schema gateway/config/schema.ts assembles. docs/config.md is generated from the TSDoc on these fields
// (`npm run docs`), so every field carries one, with its default.


const headerPattern = () =>
  z.string({ error: 'expected a regular expression' }).refine(
    (pattern) => {
      try {
        new RegExp(pattern, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a valid regular expression' },
  );

const responseHeaderRulesSchema = z
  .object({
    /**
     * Subgraph response headers passed back to the client (lower-case names, e.g. `set-cookie`,
     * `x-cache`). `set-cookie` values are always sent as separate headers.
     * @default []
     */
    propagate: z.array(headerName()).optional(),
    /**
     * When several fetches answer the same header with different values: `first` keeps the first value
     * seen, `last` the last, `append` joins them with `, ` (`set-cookie` is always appended).
     * @default "first"
     */
    conflict: z.enum(['first', 'last', 'append'], { error: 'expected one of first, last, append' }).optional(),
  })
  .strict();

/** `traffic.all.headers` and `traffic.subgraphs.<name>.headers`: which headers reach a subgraph, and which come back. */
export const headerRulesSchema = z
  .object({
    /**
     * Client request headers forwarded to the subgraph as they are (names, case-insensitive). Applied before
     * the plugins' `onSubgraphFetch` hooks, so authentication can still remove or replace identity headers.
     * @default []
     */
    propagate: z.array(headerName()).optional(),
    /**
     * Client request headers whose names match this regular expression (case-insensitive) are forwarded too.
     * @default none
     */
    propagateMatching: headerPattern().optional(),
    /**
     * Client headers forwarded under another name: `{ x-client: x-client-name }`.
     * @default {}
     */
    rename: z.record(headerName(), headerName()).optional(),
    /**
     * Headers set on every request to the subgraph, with fixed values (`${env.NAME}` works for secrets).
     * @default {}
     */
    insert: z.record(headerName(), z.string()).optional(),
    /**
     * Headers never sent to the subgraph, applied last (after propagate, rename and insert).
     * @default []
     */
    remove: z.array(headerName()).optional(),
    /** Which subgraph response headers reach the client, and how conflicts are resolved. */
    response: responseHeaderRulesSchema.optional(),
  })
  .strict();
