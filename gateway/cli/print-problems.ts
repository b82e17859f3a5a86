import type { CliIo } from './command.js';

/**
 * Writes one problem per line to stderr as given (each already names its file or subgraph), then one
 * `atrium: <summary> (N problems)` line, so the last line says what failed.
 */
export function printProblems(io: CliIo, problems: readonly string[], summary: string): void {
  for (const problem of problems) io.stderr.write(`${problem}\n`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  io.stderr.write(`atrium: ${summary} (${count})\n`);
}
