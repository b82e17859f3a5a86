import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { chooseSupergraph, DEFAULT_SUPERGRAPH_CONFIG } from './choose-supergraph.js';
import { type Command, parseCommandArgs, UsageError } from './command.js';
import { printProblems } from './print-problems.js';
import { readCommandConfig } from './read-command-config.js';

const DEFAULT_GATEWAY_CONFIG = 'gateway.yaml';

/** `atrium openapi`: the OpenAPI document of gateway.yaml's REST routes, without starting a gateway. */
export const openapiCommand: Command = {
  name: 'openapi',
  summary: 'Print the OpenAPI 3.1 document of the REST routes',
  usage: `Usage: atrium openapi [flags]

Builds the OpenAPI 3.1 document of the REST routes in gateway.yaml (rest.routes) against the supergraph
and prints it, exactly as a running gateway serves it at rest.openapiPath. Nothing is served and no
subgraph is called, unless the supergraph.yaml introspects one (schema.subgraph_url).

Flags:
  -c, --config <file>         gateway.yaml with the routes (default: ./${DEFAULT_GATEWAY_CONFIG})
  --supergraph-config <file>  rover supergraph.yaml to compose (default: ./${DEFAULT_SUPERGRAPH_CONFIG})
  --supergraph <file>         an already composed supergraph SDL file
  -o, --output <file>         write the document to <file> instead of stdout
  -h, --help                  show this help

Examples:
  atrium openapi > openapi.json
  atrium openapi --config deploy/gateway.yaml --supergraph supergraph.graphql -o openapi.json

Exit codes: 0 printed, 1 the supergraph could not be loaded or a route does not validate against it,
2 bad flags, a missing file, an invalid gateway.yaml or one without routes.
`,

  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      config: { type: 'string', short: 'c' },
      'supergraph-config': { type: 'string' },
      supergraph: { type: 'string' },
      output: { type: 'string', short: 'o' },
    });
    const configPath = values.config ?? DEFAULT_GATEWAY_CONFIG;
    if (!existsSync(configPath)) throw new UsageError(`config file not found: ${configPath}`);
    const source = chooseSupergraph(values);
    const config = await readCommandConfig(io, configPath, ['rest', 'auth']);
    if (!config) return 2;
    if (config.rest.routes.length === 0) throw new UsageError(`${configPath} declares no REST routes (rest.routes)`);

    // Loaded on demand: composition and the federation packages are not needed for --help.
    const { loadSupergraphSdl, SupergraphLoadError } = await import('../supergraph/load-supergraph.js');
    const { buildSupergraph } = await import('../supergraph/build-supergraph.js');
    const { createRouteTable } = await import('../rest/route-table.js');
    const { buildOpenApi } = await import('../rest/openapi/build-openapi.js');
    let sdl: string;
    try {
      sdl = await loadSupergraphSdl(source);
    } catch (error) {
      if (!(error instanceof SupergraphLoadError)) throw error;
      printProblems(io, error.problems, 'could not load the supergraph');
      return 1;
    }
    const supergraph = buildSupergraph(sdl);
    const table = createRouteTable(config.rest, { configDir: dirname(resolve(configPath)) });
    const problems = table.useSchema(supergraph.apiSchema);
    if (problems.length > 0) {
      printProblems(io, problems, 'invalid REST routes');
      return 1;
    }
    const text = `${JSON.stringify(buildOpenApi({ config, routes: table.entries, supergraph }), null, 2)}\n`;
    if (values.output === undefined) io.stdout.write(text);
    else await writeFile(values.output, text);
    return 0;
  },
};
