// Runs one demo subgraph as its own process: `node dist/subgraphs/serve-subgraph.js <name> [--port N] [--host H]`.
// Prints `<name> listening on <url>` once it accepts requests (e2e tests wait for that line) and exits 0
// on SIGTERM or SIGINT.
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

import { parseArgs } from 'node:util';

// Imported dynamically: static imports would load the Apollo libraries before the line above runs.
const { DEMO_SUBGRAPHS, startSubgraph } = await import('./index.js');

const usage = `usage: serve-subgraph <${DEMO_SUBGRAPHS.join('|')}> [--port N] [--host H]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

const parsed = parseCommandLine();

const [name, ...extra] = parsed.positionals;
if (!name || extra.length > 0) fail('expected exactly one subgraph name');
if (!DEMO_SUBGRAPHS.includes(name)) fail(`unknown subgraph "${name}"`);
const port = Number(parsed.values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer from 0 to 65535, got "${parsed.values.port}"`);

const subgraph = await startSubgraph(name, { port, host: parsed.values.host });
process.stdout.write(`${name} listening on ${subgraph.url}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await subgraph.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
