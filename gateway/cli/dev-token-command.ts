import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, parseCommandArgs, UsageError } from './command.js';
import { readCommandConfig } from './read-command-config.js';

const DEFAULT_CONFIG = 'gateway.yaml';

/** `atrium dev-token`: signs a development token with the demo key gateway.yaml configures. */
export const devTokenCommand: Command = {
  name: 'dev-token',
  summary: 'Sign a development JWT with the demo key in gateway.yaml (auth.devToken)',
  usage: `Usage: atrium dev-token --sub <subject> [flags]

Signs a JWT with the private key auth.devToken names in gateway.yaml, for the issuer it names, and prints
it. Refuses when gateway.yaml configures no demo key (production configs have none).

Flags:
  --sub <subject>         the token's subject (sub), required
  --scopes <a,b>          scopes, comma- or space-separated (the scope claim)
  --claim <name=value>    an extra claim, repeatable (JSON values are parsed: --claim admin=true)
  --expires-in <dur>      lifetime, e.g. 15m, 1h (default 1h)
  -c, --config <file>     gateway.yaml to read (default ./${DEFAULT_CONFIG})
  -h, --help              show this help

Example:
  curl -s localhost:4000/graphql -H "authorization: Bearer $(atrium dev-token --sub 1 --scopes orders:read)" \\
    -H 'content-type: application/json' -d '{"query":"{ me { email orders { id } } }"}'
`,

  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      sub: { type: 'string' },
      scopes: { type: 'string' },
      claim: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
      config: { type: 'string', short: 'c' },
    });
    if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required', { hint: true });
    // units.ts brings zod: loaded by this command, not by every start of the CLI.
    const { parseDuration } = await import('../config/units.js');
    const expiresInMs = parseDuration(values['expires-in'] ?? '1h');
    if (expiresInMs === undefined || expiresInMs < 1000) throw new UsageError('--expires-in needs a duration such as 15m or 1h');
    const configPath = values.config ?? DEFAULT_CONFIG;
    if (!existsSync(configPath)) throw new UsageError(`config file not found: ${configPath}`);
    const config = await readCommandConfig(io, configPath, ['auth']);
    if (!config) return 2;
    const claims = Object.fromEntries((values.claim ?? []).map(parseClaim));
    // jose is loaded only by this command, not by every start of the CLI.
    const { signDevToken } = await import('../plugins/auth/sign-dev-token.js');
    const token = await signDevToken(
      config.auth,
      {
        subject: values.sub,
        scopes: (values.scopes ?? '').split(/[\s,]+/).filter((scope) => scope !== ''),
        claims,
        expiresInSeconds: Math.floor(expiresInMs / 1000),
      },
      dirname(resolve(configPath)),
    );
    io.stdout.write(`${token}\n`);
    return 0;
  },
};

function parseClaim(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--claim expects name=value, got "${text}"`);
  const raw = text.slice(eq + 1);
  try {
    return [text.slice(0, eq), JSON.parse(raw)];
  } catch {
    return [text.slice(0, eq), raw];
  }
}
