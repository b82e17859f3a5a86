import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitOnSignals, isMain, serverArgs, version } from '../lib/target.mjs';

/**
 * @apollo/gateway 2.x on @apollo/server 5 (startStandaloneServer), from the composed supergraph SDL.
 * Apollo Gateway has no in-flight deduplication: RemoteGraphQLDataSource sends every fetch of every
 * operation (make-fetch-happen, no request coalescing), so there is one row.
 */

const file = fileURLToPath(import.meta.url);

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'apollo-gateway',
    what: `@apollo/gateway ${version('@apollo/gateway')} on @apollo/server ${version('@apollo/server')}`,
    peer: true,
    dedup: 'none',
    cpus: '1',
    command: ({ port, supergraphFile }) => ({
      command: process.execPath,
      args: [file, '--port', String(port), '--supergraph', supergraphFile],
      env: { APOLLO_TELEMETRY_DISABLED: '1' },
    }),
  },
];

if (isMain(import.meta.url)) {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const { port, host, supergraph } = serverArgs();
  const { ApolloGateway } = await import('@apollo/gateway');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraph, 'utf8') });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  console.log(`apollo-gateway listening on ${url}`);
  exitOnSignals(() => server.stop());
}
