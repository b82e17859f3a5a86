import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command writes; `process.stdout`/`process.stderr` in the binary, string sinks in tests. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** What a command reads for a `-` argument; `process.stdin` when absent. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}

/** All of {@link CliIo.stdin} (or `process.stdin`) as UTF-8 text. */
export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** One `atrium <name>` subcommand. `run` gets the arguments after the name and returns the exit code. */
export interface Command {
  readonly name: string;
  /** One line for `atrium --help`. */
  readonly summary: string;
  /** The full text of `atrium <name> --help`: flags, defaults, examples. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * The command line is wrong (bad flag, missing file): main prints `atrium: <message>` as one line on
 * stderr, with a pointer to the command's help when `hint` is set, and exits with code 2.
 */
export class UsageError extends Error {
  readonly hint: boolean;

  constructor(message: string, options: { hint?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.hint = options.hint ?? false;
  }
}

/** What {@link parseCommandArgs} returns; spelled out because the declaration files must name it. */
export type ParsedCommandArgs<T extends ParseArgsConfig['options']> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
>;

/**
 * `parseArgs` in strict mode, with its errors reworded as a one-line {@link UsageError}
 * (`unknown flag --prot`) instead of Node's multi-sentence messages.
 */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(
  args: readonly string[],
  options: T,
  allowPositionals = false,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }), { hint: true });
  }
}

function describeParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // quoted is "--port <value>" or "-o, --output <value>"; name the long form.
      const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      return error.message.includes('does not take') ? `flag ${flag} takes no value` : `flag ${flag} needs a value`;
    }
    default:
      return error.message.split('. ')[0]!;
  }
}
