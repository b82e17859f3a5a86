import { hashApiKey } from '../plugins/auth/api-keys.js';
import { type Command, parseCommandArgs, UsageError } from './command.js';

/** `atrium hash-api-key`: prints the hash gateway.yaml stores for an API key. */
export const hashApiKeyCommand: Command = {
  name: 'hash-api-key',
  summary: 'Print the sha256 hash of an API key for auth.apiKeys in gateway.yaml',
  usage: `Usage: atrium hash-api-key <key>

Prints "sha256:<hex>", the form auth.apiKeys.keys.<name>.hash takes in gateway.yaml, so the key itself
never has to be stored in the file.

Flags:
  -h, --help    show this help

Example:
  atrium hash-api-key "$(openssl rand -hex 32)"
`,

  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {}, true);
    if (positionals.length !== 1 || positionals[0] === '') throw new UsageError('expected exactly one API key', { hint: true });
    io.stdout.write(`${hashApiKey(positionals[0]!)}\n`);
    return 0;
  },
};
