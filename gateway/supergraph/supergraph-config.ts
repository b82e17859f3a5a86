import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { type Environment, expandEnv, missingVariableProblems } from '../config/expand-env.js';
import { formatIssues, yamlErrorMap } from '../config/format-issues.js';
import { parseYaml } from '../config/parse-yaml.js';
import { httpUrl } from '../config/units.js';
import { readSourceFile } from './read-source-file.js';
import { SupergraphLoadError } from './supergraph-load-error.js';

/** Where one subgraph's SDL comes from. */
export type SubgraphSchemaSource =
  /** An SDL file; `path` is resolved against the directory of supergraph.yaml. */
  | { readonly kind: 'file'; readonly path: string }
  /** Ask the running subgraph for `_service { sdl }`, with `headers` (rover's `introspection_headers`). */
  | { readonly kind: 'introspect'; readonly url: string; readonly headers?: Readonly<Record<string, string>> };

/** One subgraph of a supergraph.yaml. */
export interface SupergraphConfigSubgraph {
  readonly name: string;
  /** The URL the gateway sends this subgraph's fetches to (written into the supergraph). */
  readonly routingUrl: string;
  readonly schema: SubgraphSchemaSource;
}

/** A parsed rover `supergraph.yaml`; subgraphs keep the file's order. */
export interface SupergraphConfig {
  readonly federationVersion?: string;
  readonly subgraphs: readonly SupergraphConfigSubgraph[];
}

// rover's format (https://www.apollographql.com/docs/rover/commands/supergraphs#yaml-configuration-file),
// limited to what Atrium reads; graphref and inline sdl sources are rejected as unknown keys.
const subgraphSchema = z
  .object({
    routing_url: httpUrl().optional(),
    schema: z
      .object(
        {
          file: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }).optional(),
          subgraph_url: httpUrl().optional(),
          introspection_headers: z.record(z.string(), z.string({ error: 'expected a header value' }), { error: 'expected a mapping of header names to values' }).optional(),
        },
        { error: 'expected a mapping with file or subgraph_url' },
      )
      .strict(),
  })
  .strict()
  .superRefine((subgraph, ctx) => {
    const { file, subgraph_url, introspection_headers } = subgraph.schema;
    if (introspection_headers !== undefined && subgraph_url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['schema', 'introspection_headers'], message: 'only valid with subgraph_url' });
    }
    if ((file === undefined) === (subgraph_url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: 'expected exactly one of file or subgraph_url' });
    } else if (subgraph.routing_url === undefined && subgraph_url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['routing_url'], message: 'required when the schema comes from a file' });
    }
  });

const supergraphYamlSchema = z
  .object({
    federation_version: z
      .union([z.string(), z.number()], { error: 'expected a version such as "=2.9.0" or 2' })
      .transform(String)
      .optional(),
    subgraphs: z
      .record(z.string(), subgraphSchema)
      .refine((subgraphs) => Object.keys(subgraphs).length > 0, { error: 'expected at least one subgraph' }),
  })
  .strict();

/**
 * Parses the text of a rover supergraph.yaml. `path` names the file in errors and is the base for
 * relative `schema.file` paths. A subgraph introspected from `subgraph_url` without a `routing_url` is
 * routed to that URL, as rover does. `${env.NAME}` (and `${env.NAME:-fallback}`) in values are expanded
 * from `env`, as rover does; an unset one is an error naming it. Throws {@link SupergraphLoadError}.
 *
 * @example
 * parseSupergraphConfig('subgraphs:\n  products:\n    routing_url: http://localhost:4002/graphql\n' +
 *   '    schema: { file: ./products.graphql }\n', 'schema/supergraph.yaml');
 * // { subgraphs: [{ name: 'products', routingUrl: '…', schema: { kind: 'file', path: 'schema/products.graphql' } }] }
 */
export function parseSupergraphConfig(text: string, path: string, env: Environment = process.env): SupergraphConfig {
  const { value: parsed, errors } = parseYaml(text, path);
  if (errors.length > 0) throw new SupergraphLoadError(errors);
  const { value, missing } = expandEnv(parsed ?? {}, env);
  if (missing.length > 0) {
    throw new SupergraphLoadError(missingVariableProblems(missing, path));
  }
  const result = supergraphYamlSchema.safeParse(value, { error: yamlErrorMap });
  if (!result.success) throw new SupergraphLoadError(formatIssues(result.error.issues, path));
  const base = dirname(path);
  const subgraphs = Object.entries(result.data.subgraphs).map(([name, { routing_url, schema }]) => ({
    name,
    routingUrl: (routing_url ?? schema.subgraph_url)!,
    schema:
      schema.file !== undefined
        ? { kind: 'file' as const, path: isAbsolute(schema.file) ? schema.file : join(base, schema.file) }
        : { kind: 'introspect' as const, url: schema.subgraph_url!, ...(schema.introspection_headers && { headers: schema.introspection_headers }) },
  }));
  const { federation_version } = result.data;
  return federation_version === undefined ? { subgraphs } : { federationVersion: federation_version, subgraphs };
}

/** Reads and parses a supergraph.yaml file; see {@link parseSupergraphConfig}. */
export async function readSupergraphConfig(path: string, options: { signal?: AbortSignal } = {}): Promise<SupergraphConfig> {
  const text = await readSourceFile(path, { what: 'supergraph config', signal: options.signal });
  return parseSupergraphConfig(text, path);
}
