import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { exitOnSignals, isMain, serverArgs, version } from '../lib/target.mjs';

/**
 * @graphql-hive/gateway (its runtime on node:http, as its CLI serves it with the default `--fork 1`),
 * with its JavaScript query planner. Hive Gateway deduplicates identical in-flight subgraph requests by
 * default: its HTTP transport (@graphql-tools/executor-http `deduplicateInflightRequests`, default true)
 * shares one upstream request among identical concurrent queries. The `-no-dedup` row switches that off
 * with `transportEntries: { '*': { options: { deduplicateInflightRequests: false } } }`. (Its inbound
 * request deduplication, `inboundInflightRequestDeduplication`, is off by default and stays off.)
 */

const file = fileURLToPath(import.meta.url);
const what = `@graphql-hive/gateway ${version('@graphql-hive/gateway')}`;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'hive-gateway',
    what: `${what}, JS planner, default settings`,
    peer: true,
    dedup: 'on (default)',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({ command: process.execPath, args: [file, '--port', String(port), '--supergraph', supergraphFile, '--dedup', 'on'] }),
  },
  {
    name: 'hive-gateway-no-dedup',
    what: `${what}, JS planner, deduplicateInflightRequests: false`,
    peer: true,
    dedup: 'off',
    variantOf: 'hive-gateway',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({ command: process.execPath, args: [file, '--port', String(port), '--supergraph', supergraphFile, '--dedup', 'off'] }),
  },
];

/**
 * Starts Hive Gateway; `unifiedGraphHandler` swaps in another planner (the Rust one).
 * @param {{ unifiedGraphHandler?: unknown; name: string }} options
 */
export async function serveHiveGateway(options) {
  const { port, host, supergraph, dedup } = serverArgs();
  const { createGatewayRuntime } = await import('@graphql-hive/gateway');
  const runtime = createGatewayRuntime({
    supergraph,
    logging: 'warn',
    ...(options.unifiedGraphHandler ? { unifiedGraphHandler: /** @type {any} */ (options.unifiedGraphHandler) } : {}),
    ...(dedup ? {} : { transportEntries: { '*': { options: { deduplicateInflightRequests: false } } } }),
  });
  const server = createServer(runtime);
  await new Promise((resolve) => server.listen(port, host, () => resolve(undefined)));
  console.log(`${options.name} listening on http://${host}:${port}${runtime.graphqlEndpoint}`);
  exitOnSignals(async () => {
    server.close();
    await runtime[Symbol.asyncDispose]?.();
  });
}

if (isMain(import.meta.url)) await serveHiveGateway({ name: 'hive-gateway' });
