/**
 * Atrium as its CLI runs it: `atrium serve` from the composed supergraph file, one process, pinned to
 * the gateway core. Atrium has no cross-request deduplication of identical in-flight subgraph requests
 * (within one operation it batches an entity fetch's representations, which is planning, not dedup).
 */

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium',
    what: 'Atrium (dist/gateway/cli.js serve), 1 process',
    peer: false,
    dedup: 'none',
    cpus: '1',
    command: ({ root, port, supergraphFile, atriumConfig }) => ({
      command: process.execPath,
      args: [`${root}dist/gateway/cli.js`, 'serve', '--supergraph', supergraphFile, '--port', String(port), '--host', '127.0.0.1', '--config', atriumConfig],
    }),
  },
];
