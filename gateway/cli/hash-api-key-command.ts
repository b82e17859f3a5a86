import { randomBytes } from 'node:crypto';
import { hashApiKey } from '../plugins/auth/api-keys.js';
import { type CliIo, type Command, parseCommandArgs, readStdin, UsageError } from './command.js';

/** `atrium hash-api-key`: prints the hash gateway.yaml stores for an API key, or a new key and its hash. */
export const hashApiKeyCommand: Command = {
  name: 'hash-api-key',
  summary: 'Print the sha256 hash of an API key for auth.apiKeys in gateway.yaml',
  usage: `Usage: atrium hash-api-key [<key> | -]

Prints "sha256:<hex>", the form auth.apiKeys.keys.<name>.hash takes in gateway.yaml, so the key itself
never has to be stored in the file.

Arguments:
  <key>         the key to hash; prints only its hash
  -             read the key from stdin (one trailing newline is dropped), so it stays out of
                the shell history and the process list; prints only its hash
  (none)        generate a new random key (32 random bytes, hex) and print "key: <key>" and
                "hash: sha256:<hex>"; give the key to the client, put the hash in gateway.yaml

Flags:
  -h, --help    show this help

Examples:
  atrium hash-api-key
  printf %s "$CI_API_KEY" | atrium hash-api-key -
`,

  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {}, true);
    if (positionals.length > 1) throw new UsageError('expected one API key, "-" for stdin, or none to generate one', { hint: true });
    if (positionals.length === 0) {
      const key = randomBytes(32).toString('hex');
      io.stdout.write(`key: ${key}\nhash: ${hashApiKey(key)}\n`);
      return 0;
    }
    const key = positionals[0] === '-' ? await keyFromStdin(io) : positionals[0]!;
    if (key === '') throw new UsageError('the API key is empty', { hint: true });
    io.stdout.write(`${hashApiKey(key)}\n`);
    return 0;
  },
};

/** The key piped in: the text without one trailing newline (`echo` adds one; a key never ends with it). */
async function keyFromStdin(io: CliIo): Promise<string> {
  return (await readStdin(io)).replace(/\r?\n$/, '');
}
