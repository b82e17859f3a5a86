// What `npm start` runs (after `npm run build`): the five demo subgraphs on ports 4001-4005 in this
// process, and the Atrium gateway on port 4000 as a child process, configured by supergraph.yaml and,
// when present, gateway.yaml.
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// Imported dynamically: static imports would load the Apollo libraries before the line above runs.
const { DEMO_PORTS, findRepoRoot, startDemoSubgraphs } = await import('./index.js');
const { DEMO_JWKS_PORT, demoPublicJwk, serveJwks } = await import('./identity/serve-jwks.js');

const GATEWAY_PORT = 4000;
const HEALTH_POLL_MS = 100;
const READY_TIMEOUT_MS = 20_000;
const EXAMPLE_QUERY =
  '{ topProducts(first: 2) { name price inStock shippingEstimate reviews { rating author { username } } } }';

const root = findRepoRoot();
const gatewayCli = join(root, 'dist', 'gateway', 'cli.js');
const gatewayConfig = join(root, 'gateway.yaml');

// `localhost`, as in supergraph.yaml's routing URLs, so both ends resolve it the same way.
const demo = await startDemoSubgraphs({ ports: DEMO_PORTS, host: 'localhost' });
for (const subgraph of demo.subgraphs) console.log(`${subgraph.name} listening on ${subgraph.url}`);
// The demo identity provider: the public key gateway.yaml trusts, so `atrium dev-token` tokens verify.
const jwks = await serveJwks([demoPublicJwk()], { port: DEMO_JWKS_PORT, host: 'localhost' });
console.log(`demo JWKS at ${jwks.url}`);
const closeDemo = async () => {
  await jwks.close();
  await demo.close();
};

if (!existsSync(gatewayCli)) {
  console.error(`gateway not built: ${gatewayCli} is missing (run \`npm run build\`)`);
  await closeDemo();
  process.exit(1);
}

const args = [gatewayCli, 'serve', '--supergraph-config', join(root, 'supergraph.yaml')];
if (existsSync(gatewayConfig)) args.push('--config', gatewayConfig);
args.push('--port', String(GATEWAY_PORT));

const gateway: ChildProcess = spawn(process.execPath, args, {
  cwd: root,
  env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
gateway.stdout?.pipe(process.stdout);
gateway.stderr?.pipe(process.stderr);

let shuttingDown = false;

gateway.on('exit', (code, signal) => {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`gateway exited (${signal ?? `code ${code}`}); stopping the demo subgraphs`);
  void closeDemo().finally(() => process.exit(code ?? 1));
});

gateway.on('error', (error) => {
  console.error(`could not start the gateway: ${error.message}`);
  void shutdown(1);
});

/** Stops the gateway (SIGTERM, then SIGKILL after 5 s) and the subgraphs, then exits with `code`. */
async function shutdown(code = 0): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const running = gateway.pid !== undefined && gateway.exitCode === null && gateway.signalCode === null;
  if (running) {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    const forceKill = setTimeout(() => gateway.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(forceKill);
  }
  await closeDemo();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

/** Polls the gateway's /health until it answers 200; false after the timeout or if it exits first. */
async function waitForGateway(): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const response = await fetch(`http://localhost:${GATEWAY_PORT}/health`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(HEALTH_POLL_MS);
  }
  return false;
}

if (await waitForGateway()) {
  const body = JSON.stringify({ query: EXAMPLE_QUERY });
  console.log(`
Atrium gateway ready at http://localhost:${GATEWAY_PORT}/graphql

Try a query that spans products, inventory and reviews:

  curl -s http://localhost:${GATEWAY_PORT}/graphql -H 'content-type: application/json' \\
    -d '${body}'

User.email needs a token and Order the orders:read scope; sign one with the demo key:

  TOKEN=$(npx atrium dev-token --sub 1 --scopes orders:read)
  curl -s http://localhost:${GATEWAY_PORT}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"{ user(id: \\"1\\") { email orders { id status } } }"}'
`);
} else if (!shuttingDown) {
  console.error(
    `the gateway did not answer 200 on http://localhost:${GATEWAY_PORT}/health within ${READY_TIMEOUT_MS / 1000} s; stopping`,
  );
  await shutdown(1);
}
