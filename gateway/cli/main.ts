import { type CliIo, type Command, UsageError } from './command.js';
import { checkCommand } from './check-command.js';
import { composeCommand } from './compose-command.js';
import { devTokenCommand } from './dev-token-command.js';
import { hashApiKeyCommand } from './hash-api-key-command.js';
import { openapiCommand } from './openapi-command.js';
import { planCommand } from './plan-command.js';
import { publishCommand } from './publish-command.js';
import { serveCommand } from './serve-command.js';
import { subgraphsCommand } from './subgraphs-command.js';

export type { CliIo } from './command.js';

const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [serveCommand, composeCommand, planCommand, openapiCommand, hashApiKeyCommand, devTokenCommand, checkCommand, publishCommand, subgraphsCommand].map((command) => [command.name, command]));

const HELP_FLAGS = new Set(['--help', '-h']);
/** Width of the command-name column: the longest name, so every summary starts in one column. */
const NAME_WIDTH = Math.max('help'.length, ...[...COMMANDS.keys()].map((name) => name.length));

const USAGE = `Usage: atrium <command> [flags]

Atrium is a GraphQL federation gateway.

Commands:
${[...COMMANDS.values()].map((command) => `  ${command.name.padEnd(NAME_WIDTH)}  ${command.summary}`).join('\n')}
  ${'help'.padEnd(NAME_WIDTH)}  Show help for a command: atrium help <command>

Run \`atrium <command> --help\` for a command's flags and examples.
`;

/**
 * Runs the `atrium` command line and returns the exit code: 0 success, 1 the work failed (composition,
 * startup), 2 the command line or a config file is wrong. Bad usage is one `atrium: ...` line on stderr.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  let helpFor = 'atrium --help';
  try {
    if (name === undefined) {
      io.stderr.write(USAGE);
      return 2;
    }
    if (HELP_FLAGS.has(name)) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (name === 'help') return printHelp(args, io);
    if (name.startsWith('-')) throw new UsageError(`unknown flag ${name}`, { hint: true });
    const command = COMMANDS.get(name);
    if (!command) throw new UsageError(`unknown command "${name}"`, { hint: true });
    helpFor = `atrium ${command.name} --help`;
    // --help wins over everything else on the line, so a half-typed command still shows its usage.
    const beforeSeparator = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
    if (beforeSeparator.some((arg) => HELP_FLAGS.has(arg))) {
      io.stdout.write(command.usage);
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`atrium: ${error.message}${error.hint ? ` (see ${helpFor})` : ''}\n`);
      return 2;
    }
    io.stderr.write(`atrium: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}

function printHelp(args: readonly string[], io: CliIo): number {
  const [topic, extra] = args;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, { hint: true });
  if (topic === undefined || HELP_FLAGS.has(topic) || topic === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS.get(topic);
  if (!command) throw new UsageError(`unknown command "${topic}"`, { hint: true });
  io.stdout.write(command.usage);
  return 0;
}
