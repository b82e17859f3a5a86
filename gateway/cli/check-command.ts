import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ADMIN_FLAGS, adminClient, adminFlagsUsage, problemOf } from './admin-client.js';
import { type Command, parseCommandArgs, UsageError } from './command.js';
import { printProblems } from './print-problems.js';
import { required } from './publish-command.js';
import { readCommandConfig } from './read-command-config.js';

const DEFAULT_SUPERGRAPH_CONFIG = 'supergraph.yaml';

/** `atrium check`: the publish checks, offline (for CI) or as a dry run against a running gateway. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'Check a subgraph schema change before publishing it (for CI)',
  usage: `Usage: atrium check --name <subgraph> --schema <file> [flags]

Runs the checks \`atrium publish\` runs, without publishing: the new schema must compose with the other
subgraphs, must not break the API (listed as a diff: ✗ breaking, ! dangerous, + safe), and the REST
routes and trusted documents of gateway.yaml must still validate.

Offline (default), the other subgraphs are those of supergraph.yaml. With --admin-url, the running
gateway checks against its live subgraphs, published versions included, and stores nothing.

Flags:
  --name <subgraph>             the subgraph's name
  --schema <file>               its new SDL file
  --url <url>                   its routing URL (default: the one in supergraph.yaml)
  --supergraph-config <file>    the other subgraphs (default: ./${DEFAULT_SUPERGRAPH_CONFIG}); offline only
  -c, --config <file>           gateway.yaml, for the feature checks; offline only
  --allow-breaking              pass despite breaking changes (they are still listed)
${adminFlagsUsage(32)}
  -h, --help                    show this help

Examples:
  atrium check --name products --schema schema/products.graphql
  atrium check --name products --schema products.graphql --admin-url http://gateway.internal:4100

Exit codes: 0 the change passes, 1 it would be refused, 2 bad arguments or files.
`,

  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      name: { type: 'string' },
      schema: { type: 'string' },
      url: { type: 'string' },
      'supergraph-config': { type: 'string' },
      config: { type: 'string', short: 'c' },
      'allow-breaking': { type: 'boolean' },
      ...ADMIN_FLAGS,
    });
    const name = required(values.name, '--name');
    const schema = required(values.schema, '--schema');
    if (!existsSync(schema)) throw new UsageError(`schema file not found: ${schema}`);
    const sdl = await readFile(schema, 'utf8');
    const allowBreaking = values['allow-breaking'] === true;
    const { formatCheckReport } = await import('../publishing/format-check-report.js');

    if (values['admin-url'] !== undefined) {
      if (values.url === undefined) throw new UsageError('--url is required with --admin-url', { hint: true });
      const answer = await adminClient(values)('POST', `/subgraphs/${encodeURIComponent(name)}/check`, {
        sdl,
        url: values.url,
        sourceName: basename(schema),
        allowBreaking,
      });
      if (answer.status !== 200) throw new Error(problemOf(answer));
      io.stdout.write(formatCheckReport(answer.body.report));
      return answer.body.ok ? 0 : 1;
    }

    const supergraphConfig = values['supergraph-config'] ?? DEFAULT_SUPERGRAPH_CONFIG;
    if (!existsSync(supergraphConfig)) throw new UsageError(`supergraph config not found: ${supergraphConfig}`);
    if (values.config !== undefined && !existsSync(values.config)) throw new UsageError(`config file not found: ${values.config}`);
    const config = await readCommandConfig(io, values.config, ['rest', 'persistedDocuments']);
    if (!config) return 2;
    // Loaded on demand: composition pulls in the federation packages.
    const { loadSubgraphInputs, SupergraphLoadError } = await import('../supergraph/load-supergraph.js');
    const { checkSubgraph } = await import('../publishing/check-subgraph.js');
    const { buildSchemaChecks } = await import('../publishing/schema-checks.js');
    let live;
    try {
      live = (await loadSubgraphInputs(supergraphConfig)).inputs;
    } catch (error) {
      if (!(error instanceof SupergraphLoadError)) throw error;
      printProblems(io, error.problems, `could not read ${supergraphConfig}`);
      return 2;
    }
    const url = values.url ?? live.find((input) => input.name === name)?.url;
    if (url === undefined) throw new UsageError(`--url is required: ${name} is not in ${supergraphConfig}`, { hint: true });
    const checks = await buildSchemaChecks(config, { configDir: values.config === undefined ? process.cwd() : dirname(resolve(values.config)) });
    const report = await checkSubgraph({ live, candidate: { name, url, sdl, sourceName: schema }, checks, allowBreaking });
    io.stdout.write(formatCheckReport(report));
    return report.ok ? 0 : 1;
  },
};
