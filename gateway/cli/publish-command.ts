import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ADMIN_FLAGS, ADMIN_FLAGS_USAGE, adminClient, problemOf } from './admin-client.js';
import { type CliIo, type Command, parseCommandArgs, UsageError } from './command.js';

/** `atrium publish`: send a subgraph schema to a running gateway's admin API. */
export const publishCommand: Command = {
  name: 'publish',
  summary: 'Publish a subgraph schema to a running gateway (or fleet)',
  usage: `Usage: atrium publish --name <subgraph> --schema <file> --url <routing url> [flags]

Sends the schema to the gateway's admin API. The gateway checks it first: it must compose with the
other live subgraphs, must not break the live API (removed types, fields, arguments or enum values;
output fields that may now be null; arguments or input fields that are now required), and REST routes
and trusted documents must still validate. A refused schema changes nothing. An accepted one is stored
as the subgraph's next version and served by every gateway sharing the registry.

Flags:
  --name <subgraph>      the subgraph's name
  --schema <file>        its SDL file
  --url <url>            the URL the gateway routes this subgraph's requests to
  --allow-breaking       accept breaking changes (they are still listed)
${ADMIN_FLAGS_USAGE}
  -h, --help             show this help

Examples:
  ATRIUM_ADMIN_TOKEN=... atrium publish --name products --schema products.graphql --url http://products:4002/graphql

Exit codes: 0 published, 1 refused or the gateway could not be reached, 2 bad arguments.
`,

  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      name: { type: 'string' },
      schema: { type: 'string' },
      url: { type: 'string' },
      'allow-breaking': { type: 'boolean' },
      ...ADMIN_FLAGS,
    });
    const name = required(values.name, '--name');
    const schema = required(values.schema, '--schema');
    const url = required(values.url, '--url');
    if (!existsSync(schema)) throw new UsageError(`schema file not found: ${schema}`);
    const call = adminClient(values);
    const sdl = await readFile(schema, 'utf8');
    const answer = await call('POST', `/subgraphs/${encodeURIComponent(name)}/versions`, {
      sdl,
      url,
      sourceName: basename(schema),
      allowBreaking: values['allow-breaking'] === true,
    });
    return reportPublish(io, answer, name);
  },
};

/** Prints a publish or rollback answer and returns the exit code. */
export async function reportPublish(io: CliIo, answer: { status: number; body: any }, name: string): Promise<number> {
  // Loaded on demand: the formatter pulls in the federation packages, which `atrium --help` does not need.
  const { formatCheckReport } = await import('../publishing/format-check-report.js');
  if (answer.body?.report) io.stdout.write(formatCheckReport(answer.body.report));
  if (answer.status === 201) {
    const { version, served } = answer.body;
    io.stdout.write(`${name}: published as version ${version.version}${served?.served ? ', served by this gateway' : ''}\n`);
    if (served && !served.served) io.stderr.write(`atrium: ${name} was stored, but this gateway could not serve it: ${(served.problems ?? []).join('; ')}\n`);
    return 0;
  }
  if (answer.status === 422) return 1;
  io.stderr.write(`atrium: ${name}: ${problemOf(answer)}\n`);
  return 1;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`, { hint: true });
  return value;
}
