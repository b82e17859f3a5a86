import { fileURLToPath } from 'node:url';
import { isMain, version } from '../lib/target.mjs';
import { serveHiveGateway } from './hive-gateway.mjs';

/**
 * @graphql-hive/gateway with @graphql-hive/router-runtime: the Rust query planner (napi) as the unified
 * graph handler. Its subgraph requests still go through Hive Gateway's HTTP transport, so in-flight
 * deduplication is on by default here too; the `-no-dedup` row switches it off the same way.
 */

const file = fileURLToPath(import.meta.url);
const what = `@graphql-hive/gateway ${version('@graphql-hive/gateway')} + @graphql-hive/router-runtime ${version('@graphql-hive/router-runtime')} (Rust planner)`;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'hive-router-runtime',
    what: `${what}, default settings`,
    peer: true,
    dedup: 'on (default)',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({ command: process.execPath, args: [file, '--port', String(port), '--supergraph', supergraphFile, '--dedup', 'on'] }),
  },
  {
    name: 'hive-router-runtime-no-dedup',
    what: `${what}, deduplicateInflightRequests: false`,
    peer: true,
    dedup: 'off',
    variantOf: 'hive-router-runtime',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({ command: process.execPath, args: [file, '--port', String(port), '--supergraph', supergraphFile, '--dedup', 'off'] }),
  },
];

if (isMain(import.meta.url)) {
  const { unifiedGraphHandler } = await import('@graphql-hive/router-runtime');
  await serveHiveGateway({ name: 'hive-router-runtime', unifiedGraphHandler });
}
