import { existsSync } from 'node:fs';
import type { SupergraphSource } from '../supergraph/load-supergraph.js';
import { UsageError } from './command.js';

/** The supergraph.yaml a command uses when given neither supergraph flag. */
export const DEFAULT_SUPERGRAPH_CONFIG = 'supergraph.yaml';

/**
 * The supergraph a command loads, from its `--supergraph-config` / `--supergraph` flags (one of them, or
 * ./supergraph.yaml when present, or — for `serve` with `registry` in gateway.yaml, `options.registry` —
 * the schema registry alone). Throws a {@link UsageError} for both flags, a missing file, or nothing to go by.
 *
 * @example
 * chooseSupergraph({ supergraph: 'supergraph.graphql' }); // { kind: 'file', path: 'supergraph.graphql' }
 */
export function chooseSupergraph(
  values: { 'supergraph-config'?: string; supergraph?: string },
  options: { registry?: boolean } = {},
): SupergraphSource {
  const { 'supergraph-config': configPath, supergraph: filePath } = values;
  if (configPath !== undefined && filePath !== undefined) {
    throw new UsageError('give either --supergraph-config or --supergraph, not both', { hint: true });
  }
  if (filePath !== undefined) {
    if (!existsSync(filePath)) throw new UsageError(`supergraph file not found: ${filePath}`);
    return { kind: 'file', path: filePath };
  }
  if (configPath !== undefined) {
    if (!existsSync(configPath)) throw new UsageError(`supergraph config not found: ${configPath}`);
    return { kind: 'config', path: configPath };
  }
  if (existsSync(DEFAULT_SUPERGRAPH_CONFIG)) return { kind: 'config', path: DEFAULT_SUPERGRAPH_CONFIG };
  // A replica of a fleet: the published subgraphs are the whole graph.
  if (options.registry) return { kind: 'registry' };
  throw new UsageError(
    `no supergraph: pass --supergraph-config or --supergraph, run where ./${DEFAULT_SUPERGRAPH_CONFIG} exists, or configure \`registry\` in gateway.yaml to serve what is published`,
    { hint: true },
  );
}
