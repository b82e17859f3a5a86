import { z } from 'zod';
import { duration, flag, integer } from '../config/units.js';

// The `reload` section of gateway.yaml (supergraph-config.ts reads supergraph.yaml), one part of the schema
// gateway/config/schema.ts assembles. docs/config.md is generated from the TSDoc on these fields
// (`npm run docs`), so every field carries one, with its default.

/** The `reload` section: hot reload of the supergraph (gateway/supergraph/supergraph-lifecycle.ts). */
export const reloadSchema = z
  .object({
    /**
     * Watch the supergraph source for changes and hot-swap the gateway onto the new supergraph: the
     * supergraph file given with `--supergraph`, or supergraph.yaml and every schema file it lists (a changed
     * file list is picked up too). Requests in flight finish on the old supergraph; a change that does not
     * compose keeps the old one serving and is reported on `/ready`.
     * @default true
     */
    watch: flag().default(true),
    /**
     * How often subgraphs listed with `schema.subgraph_url` in supergraph.yaml are introspected again to
     * detect a changed SDL. `0` turns polling off. A number of milliseconds or a duration string.
     * @default "10s"
     */
    pollInterval: duration().default(10_000),
    /**
     * Quiet period after a change before recomposing, so a burst of saves (several schema files, an editor's
     * temporary files) causes one reload.
     * @default "200ms"
     */
    debounce: duration().default(200),
    /**
     * How many of the most-used operations are planned on the new supergraph before the swap, so the first
     * requests after a reload find their plans cached. `0` turns warming off.
     * @default 100
     */
    warmPlans: integer(0, 100_000).default(100),
    /**
     * Directory (relative to gateway.yaml's) where the gateway keeps a copy of every supergraph it serves
     * (`supergraph.graphql`, replaced atomically). When the sources do not answer at startup (a
     * `subgraph_url` that is down, an empty registry), a gateway with a copy serves it at once instead of
     * waiting with `/health` 503, keeps trying the sources with backoff and swaps to them when they answer;
     * the admin listener's `/ready` says `schema.source: "cache"` until then. Problems waiting cannot fix
     * (a composition error) still stop the start. Unset: no copy is kept.
     * @default none
     */
    cacheDir: z.string().min(1).optional(),
  })
  .strict();
