import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type Command, parseCommandArgs, UsageError } from './command.js';
import { printProblems } from './print-problems.js';

const DEFAULT_CONFIG = 'supergraph.yaml';

/** `atrium compose`: supergraph.yaml → supergraph SDL, like `rover supergraph compose`. */
export const composeCommand: Command = {
  name: 'compose',
  summary: 'Compose a supergraph SDL from a rover supergraph.yaml',
  usage: `Usage: atrium compose [supergraph.yaml] [flags]

Reads the subgraph SDLs a rover supergraph.yaml lists (schema files, or introspection of subgraph_url),
composes them and prints the supergraph SDL. Composition errors name the subgraph, file and line.

Arguments:
  supergraph.yaml        the supergraph config (default: ./${DEFAULT_CONFIG})

Flags:
  -o, --output <file>    write the supergraph to <file> instead of stdout
  -h, --help             show this help

Examples:
  atrium compose
  atrium compose deploy/supergraph.yaml -o supergraph.graphql

Exit codes: 0 composed, 1 a subgraph could not be read or composition failed, 2 bad arguments.
`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { output: { type: 'string', short: 'o' } }, true);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, { hint: true });
    const path = positionals[0] ?? DEFAULT_CONFIG;
    if (!existsSync(path)) throw new UsageError(`supergraph config not found: ${path}`);

    // Loaded on demand: composition pulls in the federation packages, which `atrium --help` does not need.
    const { loadSupergraphSdl, SupergraphLoadError } = await import('../supergraph/load-supergraph.js');
    let sdl: string;
    try {
      sdl = await loadSupergraphSdl({ kind: 'config', path });
    } catch (error) {
      if (!(error instanceof SupergraphLoadError)) throw error;
      printProblems(io, error.problems, `could not compose ${path}`);
      return 1;
    }
    const text = sdl.endsWith('\n') ? sdl : `${sdl}\n`;
    if (values.output === undefined) io.stdout.write(text);
    else await writeFile(values.output, text);
    return 0;
  },
};
